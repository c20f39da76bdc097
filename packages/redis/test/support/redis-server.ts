import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How to get the binary on Debian and Ubuntu (what `.ci/run` does). */
export const INSTALL_HINT = 'apt-get install -y redis-server';

/** The `redis-server` binary: `$REDIS_SERVER_BIN`, else the first one on PATH (or in /usr/bin, /usr/sbin). */
export function findRedisServer(): string | null {
  const explicit = process.env['REDIS_SERVER_BIN'];
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  const candidates = explicit ? [explicit] : dirs.filter(Boolean).map((dir) => join(dir, 'redis-server'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

const BIN = findRedisServer();

/**
 * `describe` for suites that need a real redis-server. Without the binary, the suite is
 * reported as skipped with the install hint (never as passed); with `CI` set, it fails.
 */
export function describeRedis(name: string, fn: () => void): void {
  if (BIN !== null) {
    describe(name, fn);
    return;
  }
  const message = `redis-server not found: install it with \`${INSTALL_HINT}\` (or set REDIS_SERVER_BIN)`;
  if (process.env['CI']) {
    describe(name, () => {
      test(`requires redis-server in CI: ${message}`, () => {
        throw new Error(`CI is set and ${message}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${message}`);
  describe.skip(`${name} [SKIPPED: ${message}]`, fn);
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when 127.0.0.1:port answers PING with PONG, or rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited early (${child.exitCode ?? child.signalCode})`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      const done = (value: boolean) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(200, () => done(false));
      socket.on('error', () => done(false));
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

export interface RedisServerOptions {
  /** Start a one-node Redis Cluster (cluster-enabled, every slot assigned by the caller). */
  cluster?: boolean;
}

/** A redis-server of the test's own on 127.0.0.1, no persistence; killable and restartable. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'bw-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (BIN === null) throw new Error(`redis-server not found: ${INSTALL_HINT}`);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServer(await freePort(), options);
      try {
        await server.restart();
        return server;
      } catch (error) {
        lastError = error; // the port was taken meanwhile: another one
        await server.stop();
      }
    }
    throw lastError;
  }

  /** Starts it again on the same port (after `kill()` or `stop()`): an empty Redis. */
  async restart(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server is already running');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--enable-debug-command',
      'local',
      '--loglevel',
      'warning',
      '--dir',
      this.dir,
    ];
    if (this.options.cluster) {
      rmSync(join(this.dir, 'nodes.conf'), { force: true });
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(this.dir, 'nodes.conf'));
      args.push('--cluster-announce-ip', '127.0.0.1'); // else CLUSTER SLOTS names no host
    }
    const child = spawn(BIN!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    try {
      await waitForPong(this.port, 5_000, child);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** SIGKILL: the server vanishes mid-run, connections drop. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** Stops it (SIGTERM) and removes its directory once stopped for good. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Removes the temporary directory (after the last stop). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null) return Promise.resolve();
    this.child = null;
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
