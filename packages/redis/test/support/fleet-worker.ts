// One instance of a service in fleet mode, as a child process: a registry with a
// RedisStore over a real client. Driven by the test over IPC; reports every state
// change of its breakers with its own wall-clock time.
import { BreakerRegistry, type RegistryBreakerOptions } from '@breakwater/core';
import { RedisStore } from '../../src/index.js';
import { type ClientKind, connect } from './clients.js';

export type WorkerRequest =
  | { id: number; op: 'record'; key: string; outcome: 'success' | 'failure'; count: number }
  | {
      id: number;
      op: 'load';
      key: string;
      durationMs: number;
      concurrency: number;
      callMs: number;
      outcome: 'success' | 'failure';
    }
  | { id: number; op: 'state'; key: string }
  | { id: number; op: 'status' }
  | { id: number; op: 'quit' };

export interface LoadResult {
  admitted: number;
  rejected: number;
  /** Calls admitted while the breaker was half-open: probes. */
  probes: number;
}

export type WorkerEvent =
  | { event: 'ready' }
  | { event: 'state'; key: string; from: string; to: string; reason: string; wall: number }
  | { event: 'reply'; id: number; result: unknown };

const kind = process.env['BW_CLIENT'] as ClientKind;
const port = Number(process.env['BW_PORT']);
const syncIntervalMs = Number(process.env['BW_SYNC_MS']);
const defaults = JSON.parse(process.env['BW_DEFAULTS'] ?? '{}') as RegistryBreakerOptions;

function send(message: WorkerEvent): void {
  process.send?.(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const redis = await connect(kind, port);
  const store = new RedisStore({
    client: redis.client,
    syncIntervalMs,
    timeoutMs: 300,
    prefix: 'bw:test:',
  });
  const registry = new BreakerRegistry({ defaults, store });
  registry.onStateChange(({ key, from, to, reason }) =>
    send({ event: 'state', key, from, to, reason, wall: Date.now() }),
  );

  async function load(request: Extract<WorkerRequest, { op: 'load' }>): Promise<LoadResult> {
    const result: LoadResult = { admitted: 0, rejected: 0, probes: 0 };
    const end = Date.now() + request.durationMs;
    const lane = async () => {
      while (Date.now() < end) {
        const permit = registry.get(request.key).tryAcquire();
        if (!permit.permitted) {
          result.rejected++;
          await sleep(2);
          continue;
        }
        result.admitted++;
        if (permit.state === 'half_open') result.probes++;
        await sleep(request.callMs);
        if (request.outcome === 'success') permit.success();
        else permit.failure(new Error('upstream down'));
      }
    };
    await Promise.all(Array.from({ length: request.concurrency }, lane));
    return result;
  }

  process.on('message', async (request: WorkerRequest) => {
    let result: unknown = null;
    if (request.op === 'record') {
      const breaker = registry.get(request.key);
      let admitted = 0;
      for (let i = 0; i < request.count; i++) {
        const permit = breaker.tryAcquire();
        if (!permit.permitted) continue;
        admitted++;
        if (request.outcome === 'success') permit.success();
        else permit.failure(new Error('upstream down'));
      }
      result = { admitted, state: breaker.state };
    } else if (request.op === 'load') {
      result = await load(request);
    } else if (request.op === 'state') {
      result = registry.get(request.key).snapshot();
    } else if (request.op === 'status') {
      result = store.status();
    } else if (request.op === 'quit') {
      await store.shutdown();
      await redis.close();
      send({ event: 'reply', id: request.id, result: null });
      process.disconnect();
      return;
    }
    send({ event: 'reply', id: request.id, result });
  });
  send({ event: 'ready' });
}

void main();
