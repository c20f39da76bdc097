import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sealResponse } from '../src/index.js';

/** Serves one request with `handler` and returns what the client received. */
async function exchange(
  handler: (res: http.ServerResponse) => void,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const server = http.createServer((_req, res) => handler(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject),
    );
    let body = '';
    res.setEncoding('utf8');
    for await (const chunk of res) body += chunk;
    return { status: res.statusCode ?? 0, headers: res.headers, body };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('sealResponse', () => {
  it('lets the first end() through and ignores every write after it, without throwing', async () => {
    const thrown: unknown[] = [];
    const late = jest.fn();
    const received = await exchange((res) => {
      sealResponse(res);
      res.statusCode = 503;
      res.setHeader('content-type', 'text/plain');
      res.end('timed out');
      try {
        res.setHeader('x-late', 'yes');
        res.appendHeader('x-late', 'again');
        res.removeHeader('content-type');
        res.writeHead(200, { 'x-late': 'yes' });
        res.flushHeaders();
        res.writeContinue();
        res.addTrailers({ 'x-trailer': 'yes' });
        expect(res.write('more', late)).toBe(true);
        res.end('late answer', late);
      } catch (error) {
        thrown.push(error);
      }
    });
    expect(thrown).toEqual([]);
    expect(received.status).toBe(503);
    expect(received.headers['x-late']).toBeUndefined();
    expect(received.headers['content-type']).toBe('text/plain');
    expect(received.body).toBe('timed out');
    expect(late).toHaveBeenCalledTimes(2);
  });

  it("calls a late write's callback whichever argument it is in", async () => {
    const callbacks = [jest.fn(), jest.fn(), jest.fn(), jest.fn()];
    await exchange((res) => {
      sealResponse(res);
      res.end('first');
      res.write(callbacks[0] as () => void);
      res.write('x', callbacks[1] as () => void);
      res.write('x', 'utf8', callbacks[2] as () => void);
      res.end(callbacks[3] as () => void);
    });
    await new Promise((resolve) => setImmediate(resolve));
    for (const callback of callbacks) expect(callback).toHaveBeenCalledTimes(1);
  });

  it('leaves a response that is still being written alone until it ends', async () => {
    const received = await exchange((res) => {
      sealResponse(res);
      res.setHeader('x-early', 'yes');
      res.write('a');
      res.write('b');
      res.end('c');
      res.write('d');
    });
    expect(received.headers['x-early']).toBe('yes');
    expect(received.body).toBe('abc');
  });
});
