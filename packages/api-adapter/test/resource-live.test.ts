/** A resource change in the running adapter: a list and an embedded object over real sockets, and the walk-limit metric. */
import http from 'node:http';
import type net from 'node:net';
import t from 'tap';
import { request } from 'undici';
import { change } from './fixtures/compile.js';
import { startAdapter } from './fixtures/in-process.js';

const seen: unknown[] = [];
const upstream = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (chunks.length > 0) seen.push(JSON.parse(Buffer.concat(chunks).toString()));
    res.writeHead(200, { 'content-type': 'application/json' });
    const ada = { object: 'customer', id: 1, name: 'Ada Lovelace' };
    res.end(JSON.stringify({ object: 'list', data: [ada, { object: 'invoice', billing: { contact: ada } }] }));
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
t.teardown(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const over = (depth: number) => ({
  resources: [{ name: 'customer', match: { object: 'customer' } }],
  body: {
    max_bytes: 1 << 20,
    max_buffered_bytes: 1 << 24,
    resource_max_depth: depth,
    resource_max_nodes: 1000,
    on_too_large: 'reject',
    strict: false,
  },
  versions: [
    {
      version: '2',
      changes: [
        change({
          description: 'name split',
          resource: 'customer',
          body: [{ type: 'split', from: '/name', into: ['/given_name', '/family_name'], separator: ' ' }],
        }),
      ],
    },
    { version: '1', changes: [] },
  ],
});

t.test('list items and an embedded customer are split; a request body is joined', async (t) => {
  const a = await startAdapter(upstreamUrl, over(64));
  t.teardown(() => a.instance.stop());
  const ada2 = { object: 'customer', id: 1, given_name: 'Ada', family_name: 'Lovelace' };
  const r = await request(`${a.base}/anything`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ order: 1, customer: ada2 }),
  });
  t.same(await r.body.json(), { object: 'list', data: [ada2, { object: 'invoice', billing: { contact: ada2 } }] });
  t.same(seen.at(-1), { order: 1, customer: { object: 'customer', id: 1, name: 'Ada Lovelace' } });
});

t.test('a walk stopped by its depth limit is counted', async (t) => {
  const a = await startAdapter(upstreamUrl, over(2));
  t.teardown(() => a.instance.stop());
  const r = await request(`${a.base}/anything`);
  const body = (await r.body.json()) as { data: Record<string, unknown>[] };
  t.match(body.data[0], { given_name: 'Ada' }, 'within the limit');
  t.match(body.data[1], { billing: { contact: { name: 'Ada Lovelace' } } }, 'beyond it, unchanged');
  t.equal(await a.metric('outrigger_api_adapter_resource_walk_limits_total', { limit: 'depth' }), 1);
});
