import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';

export type ClientKind = 'ioredis' | 'node-redis';
export const CLIENT_KINDS: readonly ClientKind[] = ['ioredis', 'node-redis'];

export interface TestClient {
  readonly client: object;
  /** Sends a raw command (admin: FLUSHALL, DEBUG SLEEP, INFO…). */
  command(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A real client of the given kind on 127.0.0.1:port, reconnecting quickly (50 ms) so
 * tests of a restarted Redis stay short. Connection errors are swallowed, as an
 * application's error handler would.
 */
export async function connect(kind: ClientKind, port: number): Promise<TestClient> {
  if (kind === 'ioredis') {
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50, maxRetriesPerRequest: 2 });
    client.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('end', () => reject(new Error('ioredis ended before ready')));
    });
    return {
      client,
      command: (name, ...args) => client.call(name, ...args),
      close: async () => {
        client.disconnect();
      },
    };
  }
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  return {
    client,
    command: (...args) => client.sendCommand(args),
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  };
}

/** A cluster client over a one-node cluster on 127.0.0.1:port. */
export async function connectCluster(kind: ClientKind, port: number): Promise<TestClient> {
  if (kind === 'ioredis') {
    const client = new Cluster([{ host: '127.0.0.1', port }], { clusterRetryStrategy: () => 50 });
    client.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.disconnect();
        reject(new Error(`ioredis Cluster not ready after 5 s (status ${client.status})`));
      }, 5_000);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return {
      client,
      command: (name, ...args) => client.call(name, ...args),
      close: async () => {
        client.disconnect();
      },
    };
  }
  const client = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }] });
  client.on('error', () => {});
  await client.connect();
  return {
    client,
    command: (...args) => client.sendCommand(undefined, false, args),
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  };
}
