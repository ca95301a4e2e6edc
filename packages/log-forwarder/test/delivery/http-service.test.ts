/**
 * The HTTP sinks' request bodies are encoded into the buffers of finished requests (no new
 * buffer per request), never into one still being sent, and never into a failed request's: what
 * a real HTTP server receives is each request's own bytes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { HttpClient } from '../../src/delivery/http-client.js';
import { HttpDeliveryService } from '../../src/delivery/http-service.js';
import { Delivery, ok } from '../../src/delivery/outcome.js';
import type { RequestEvents } from '../../src/delivery/request.js';
import { until } from './fixtures/batches.js';

// Larger than Buffer.poolSize (64 KiB in Node 24): a buffer of its own, not a slice of the shared pool.
const SIZE = 256 * 1024;

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A server with `handler`, and a service to it whose builder fills its body with the request's number and records the buffer it was offered. */
async function service(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  const offered: Array<Buffer | undefined> = [];
  const bodies: Buffer[] = [];
  const client = new HttpClient({
    endpoint: new URL(`http://127.0.0.1:${port}/`),
    tls: undefined,
    resolvePath: (p) => p,
    connections: 2,
  });
  const svc = new HttpDeliveryService({
    client,
    compress: false,
    build(_request, into) {
      offered.push(into);
      const body = into && into.length >= SIZE ? into.subarray(0, SIZE) : Buffer.allocUnsafe(SIZE);
      body.fill(bodies.length % 256);
      bodies.push(body);
      return { path: '/', headers: {}, body };
    },
    decide: (res) => (res.status === 200 ? ok(200) : { kind: Delivery.RETRY, reason: `status ${res.status}` }),
    healthcheck: async () => undefined,
  });
  t.teardown(() => svc.close());
  return { svc, offered, bodies };
}

const request = { count: 1, bytes: 1 } as RequestEvents;

t.test('a finished request’s body buffer is encoded into again; one in flight is not', async (t) => {
  const received: Buffer[] = [];
  const held: Array<() => void> = [];
  let hold = false;
  const { svc, offered, bodies } = await service(t, async (req, res) => {
    received.push(await bodyOf(req));
    if (hold) held.push(() => res.end('ok'));
    else res.end('ok');
  });
  const signal = new AbortController().signal;

  t.equal((await svc.send(request, signal)).kind, Delivery.OK);
  t.equal(offered[0], undefined, 'nothing to reuse at first');
  t.equal((await svc.send(request, signal)).kind, Delivery.OK);
  t.equal(offered[1]?.buffer, bodies[0]?.buffer, 'the second body is encoded into the first one’s memory');

  // Two at once: the second may not take the buffer the first is being sent from.
  hold = true;
  const first = svc.send(request, signal);
  await until(() => held.length === 1, 'the first request held by the server');
  const second = svc.send(request, signal);
  await until(() => held.length === 2, 'both requests held by the server');
  t.equal(offered[2]?.buffer, bodies[1]?.buffer, 'the first concurrent request took the spare');
  t.equal(offered[3], undefined, 'the second found none: the spare is being sent');
  t.not(bodies[3]?.buffer, bodies[2]?.buffer, 'concurrent requests have distinct memory');
  for (const release of held) release();
  await Promise.all([first, second]);

  t.equal(received.length, 4);
  received.forEach((body, i) => {
    t.equal(body.length, SIZE, `request ${i} arrived whole`);
    t.ok(
      body.every((b) => b === i),
      `request ${i} carries its own bytes`,
    );
  });
});

t.test('a failed request’s body is not reused (its connection may still hold it)', async (t) => {
  let fail = true;
  const { svc, offered, bodies } = await service(t, async (req, res) => {
    await bodyOf(req);
    if (fail) req.socket.destroy();
    else res.end('ok');
  });
  const signal = new AbortController().signal;

  t.equal((await svc.send(request, signal)).kind, Delivery.RETRY, 'the reset is a retry');
  fail = false;
  t.equal((await svc.send(request, signal)).kind, Delivery.OK);
  t.equal(offered[1], undefined, 'the failed request’s buffer was not offered');
  t.equal((await svc.send(request, signal)).kind, Delivery.OK);
  t.equal(offered[2]?.buffer, bodies[1]?.buffer, 'the successful one’s was');
});
