/**
 * Defect 5: bounded app connections (`listener.max_connections`, refusals counted) and bounded
 * replay buffers summed over a cluster (`replay_buffer_limit_bytes`).
 */
import type { ServerResponse } from 'node:http';
import { parsePrometheusText, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { client, get, startProxy } from './fixtures/proxy.js';
import { rawSocket } from './fixtures/raw.js';
import { readBody, startServer } from './fixtures/upstream.js';

const held: ServerResponse[] = [];
const upstream = await startServer(t, (req, res) => {
  readBody(req).then(
    () => {
      if (req.url?.startsWith('/hold')) held.push(res);
      else if (req.url?.startsWith('/reset')) req.socket.destroy();
      else res.end('ok');
    },
    () => {},
  );
});
const proxy = await startProxy(t, {
  listener: { max_connections: 3 },
  routes: [{ name: 'up', match: { path_prefix: '/' }, cluster: 'up', retry: { on: ['reset'] } }],
  clusters: { up: { endpoints: [upstream.url], replay_buffer_limit_bytes: 1000 } },
});

t.test('connections over listener.max_connections are closed at once and counted', async (t) => {
  const a = await rawSocket(proxy.port);
  const b = await rawSocket(proxy.port);
  const c = await rawSocket(proxy.port);
  t.teardown(() => {
    for (const s of [a, b, c]) s.socket.destroy();
  });
  // The three are accepted; a fourth is refused.
  a.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => a.received().includes('ok'), { what: 'a served' });
  const d = await rawSocket(proxy.port);
  await waitFor(() => d.closed(), { what: 'the fourth connection to be closed' });
  t.equal(d.received(), '', 'closed without an answer');
  const metrics = parsePrometheusText(await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text());
  t.equal(metrics.get('outrigger_egress_proxy_listener_refused_connections_total')?.samples[0]?.value, 1);
  b.socket.destroy();
  await waitFor(() => b.closed(), { what: 'b closed' });
  const e = await rawSocket(proxy.port);
  e.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitFor(() => e.closed(), { what: 'e answered' });
  t.match(e.received(), /^HTTP\/1\.1 200 /, 'a slot freed is usable again');
});

t.test('replay buffers are capped per cluster: over the cap a body is streamed, not kept, so not retried', async (t) => {
  const agent = client(t);
  const hold = get(agent, `${proxy.url}/hold`, { method: 'PUT', body: 'h'.repeat(800) });
  await waitFor(() => held.length === 1, { what: 'the held request' });
  const before = upstream.count;
  const capped = await get(agent, `${proxy.url}/reset`, { method: 'PUT', body: 'r'.repeat(800) });
  t.equal(capped.status, 502);
  t.equal(upstream.count - before, 1, 'not retried: 800 + 800 bytes exceed the cluster cap of 1000');
  held[0]?.end('held');
  t.equal((await hold).body, 'held');
  const mid = upstream.count;
  const free = await get(agent, `${proxy.url}/reset`, { method: 'PUT', body: 'r'.repeat(800) });
  t.equal(free.status, 502);
  t.equal(upstream.count - mid, 3, 'the buffer was released: kept and replayed twice');
});
