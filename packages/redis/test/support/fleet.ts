import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { RegistryBreakerOptions } from '@breakwater/core';
import type { ClientKind } from './clients.js';
import type { WorkerEvent, WorkerRequest } from './fleet-worker.js';
import { transpiled, transpileSources } from './transpile.js';

type Distributive<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface StateEvent {
  key: string;
  from: string;
  to: string;
  reason: string;
  wall: number;
}

/** One forked instance of the service (see fleet-worker.ts). */
export class Instance {
  readonly events: StateEvent[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, (value: unknown) => void>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: WorkerEvent) => {
      if (message.event === 'state') this.events.push(message);
      else if (message.event === 'reply') {
        this.pending.get(message.id)?.(message.result);
        this.pending.delete(message.id);
      }
    });
  }

  static start(
    name: string,
    options: { kind: ClientKind; port: number; syncIntervalMs: number; defaults: RegistryBreakerOptions },
  ): Promise<Instance> {
    const child = fork(transpiled(join(__dirname, 'fleet-worker.ts')), [], {
      execArgv: ['-r', transpileSources().hook],
      env: {
        ...process.env,
        BW_CLIENT: options.kind,
        BW_PORT: String(options.port),
        BW_SYNC_MS: String(options.syncIntervalMs),
        BW_DEFAULTS: JSON.stringify(options.defaults),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 15 s`)), 15_000);
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
      child.on('message', (message: WorkerEvent) => {
        if (message.event === 'ready') {
          clearTimeout(timer);
          resolve(new Instance(name, child));
        }
      });
    });
  }

  request<T>(request: Distributive<WorkerRequest>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (value: unknown) => void);
      this.child.send({ ...request, id });
    });
  }

  /** The first transition of `key` to `to` after index `from` of the event list, if any. */
  transition(key: string, to: string): StateEvent | undefined {
    return this.events.find((e) => e.key === key && e.to === to);
  }

  /** SIGKILL: the instance crashes. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request({ op: 'quit' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 3_000)))]);
    clearTimeout(timer);
    await this.kill();
  }
}

/** Polls `check` every 10 ms until it returns true, for at most `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
