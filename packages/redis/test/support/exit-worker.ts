// An application with fleet mode that closes its Redis client and its server without
// calling store.shutdown(): the process must exit by itself.
import { createServer } from 'node:http';
import { BreakerRegistry } from '@breakwater/core';
import { RedisStore } from '../../src/index.js';
import { type ClientKind, connect } from './clients.js';

async function main(): Promise<void> {
  const redis = await connect(process.env['BW_CLIENT'] as ClientKind, Number(process.env['BW_PORT']));
  const store = new RedisStore({ client: redis.client, syncIntervalMs: 50, prefix: 'bw:exit:' });
  const registry = new BreakerRegistry({ defaults: { minimumCalls: 5 }, store });
  const server = createServer((_req, res) => {
    const permit = registry.get('GET /').tryAcquire();
    if (permit.permitted) permit.success();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  for (let i = 0; i < 10; i++) registry.get(`key-${i}`).tryAcquire();
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (store.status().state !== 'ready') throw new Error(`store not ready: ${JSON.stringify(store.status())}`);
  // The application closes: its server and its client. No store.shutdown().
  server.close();
  await redis.close();
  process.stdout.write(`closed ${Date.now()}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
