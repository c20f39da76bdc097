import type { Script } from './scripts.js';

/** One script call. @internal */
export interface ScriptCall {
  readonly script: Script;
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/** One call's outcome: a reply or an error, never a rejection. @internal */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * What the store needs from a Redis client: run scripts in one batch, and tell
 * whether the connection is up. @internal
 */
export interface RedisAdapter {
  readonly kind: 'ioredis' | 'node-redis';
  /** Runs every call, pipelined; reloads scripts on NOSCRIPT. Never rejects. */
  run(calls: readonly ScriptCall[]): Promise<CallResult[]>;
  /** Whether the client reports a usable connection. */
  ready(): boolean;
  /** The client's own connection status, for messages. */
  describe(): string;
}

type Fn = (...args: never[]) => unknown;
type AnyClient = Record<string, unknown>;

interface IoRedisPipeline {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): unknown;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

interface IoRedisLike {
  status?: string;
  isCluster?: boolean;
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  pipeline(): IoRedisPipeline;
}

interface NodeRedisLike {
  isReady?: boolean;
  isOpen?: boolean;
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

function isFn(value: unknown): value is Fn {
  return typeof value === 'function';
}

/** Whether an error is Redis's NOSCRIPT reply (scripts flushed, or a server restarted). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && /^NOSCRIPT\b/.test(error.message);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Recognises the client by its shape: ioredis (`Redis` or `Cluster`) has `evalsha` and
 * `pipeline`; node-redis (`createClient` or `createCluster`) has `evalSha`. Neither
 * package is imported.
 *
 * @returns the adapter, or `null` when the value is neither.
 * @internal
 */
export function adaptClient(client: unknown): RedisAdapter | null {
  if (typeof client !== 'object' || client === null) return null;
  const c = client as AnyClient;
  if (isFn(c['evalsha']) && isFn(c['pipeline']) && isFn(c['eval'])) {
    return new IoRedisAdapter(client as IoRedisLike);
  }
  if (isFn(c['evalSha']) && isFn(c['eval'])) return new NodeRedisAdapter(client as NodeRedisLike);
  return null;
}

/** Settles every promise into a CallResult. */
function settle(promises: Array<Promise<unknown>>): Promise<CallResult[]> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        (value): CallResult => ({ ok: true, value }),
        (error: unknown): CallResult => ({ ok: false, error: asError(error) }),
      ),
    ),
  );
}

/** Calls `fn` and turns a synchronous throw into a rejection. */
function attempt(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Re-runs with EVAL (which also caches the script) the calls that failed with NOSCRIPT. */
async function retryNoScript(
  calls: readonly ScriptCall[],
  results: CallResult[],
  evalAll: (calls: readonly ScriptCall[]) => Promise<CallResult[]>,
): Promise<CallResult[]> {
  const again: number[] = [];
  results.forEach((r, i) => {
    if (!r.ok && isNoScript(r.error)) again.push(i);
  });
  if (again.length === 0) return results;
  const retried = await evalAll(again.map((i) => calls[i]!));
  again.forEach((index, j) => {
    results[index] = retried[j]!;
  });
  return results;
}

class IoRedisAdapter implements RedisAdapter {
  readonly kind = 'ioredis' as const;

  constructor(private readonly client: IoRedisLike) {}

  ready(): boolean {
    // 'wait': a lazyConnect client that connects on its first command.
    const status = this.client.status;
    return status === undefined || status === 'ready' || status === 'wait';
  }

  describe(): string {
    return `ioredis status ${String(this.client.status)}`;
  }

  async run(calls: readonly ScriptCall[]): Promise<CallResult[]> {
    const first = await this.batch(calls, false);
    return retryNoScript(calls, first, (again) => this.batch(again, true));
  }

  private batch(calls: readonly ScriptCall[], withSource: boolean): Promise<CallResult[]> {
    const client = this.client;
    // A Cluster routes each command by its keys' slot; a pipeline would need every
    // key in one slot. Commands issued in the same tick still share the connections.
    if (client.isCluster === true) {
      return settle(
        calls.map((call) =>
          attempt(() =>
            withSource
              ? client.eval(call.script.source, call.keys.length, ...call.keys, ...call.args)
              : client.evalsha(call.script.sha, call.keys.length, ...call.keys, ...call.args),
          ),
        ),
      );
    }
    return attempt(() => {
      const pipeline = client.pipeline();
      for (const call of calls) {
        if (withSource) pipeline.eval(call.script.source, call.keys.length, ...call.keys, ...call.args);
        else pipeline.evalsha(call.script.sha, call.keys.length, ...call.keys, ...call.args);
      }
      return pipeline.exec();
    }).then(
      (replies) => {
        const list = Array.isArray(replies) ? (replies as Array<[Error | null, unknown]>) : [];
        return calls.map((_, i): CallResult => {
          const reply = list[i];
          if (reply === undefined) return { ok: false, error: new Error('no reply in the pipeline result') };
          return reply[0] ? { ok: false, error: asError(reply[0]) } : { ok: true, value: reply[1] };
        });
      },
      (error: unknown) => calls.map((): CallResult => ({ ok: false, error: asError(error) })),
    );
  }
}

class NodeRedisAdapter implements RedisAdapter {
  readonly kind = 'node-redis' as const;

  constructor(private readonly client: NodeRedisLike) {}

  ready(): boolean {
    const { isReady, isOpen } = this.client;
    return typeof isReady === 'boolean' ? isReady : isOpen !== false;
  }

  describe(): string {
    return `node-redis isOpen ${String(this.client.isOpen)}, isReady ${String(this.client.isReady)}`;
  }

  async run(calls: readonly ScriptCall[]): Promise<CallResult[]> {
    const first = await this.batch(calls, false);
    return retryNoScript(calls, first, (again) => this.batch(again, true));
  }

  /** node-redis pipelines the commands issued in one tick by itself (client and cluster). */
  private batch(calls: readonly ScriptCall[], withSource: boolean): Promise<CallResult[]> {
    const client = this.client;
    return settle(
      calls.map((call) =>
        attempt(() => {
          const options = { keys: call.keys as string[], arguments: call.args as string[] };
          return withSource
            ? client.eval(call.script.source, options)
            : client.evalSha(call.script.sha, options);
        }),
      ),
    );
  }
}
