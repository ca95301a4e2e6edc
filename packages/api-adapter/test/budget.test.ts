/**
 * One budget of buffered bytes across exchanges: while one exchange holds most of it, others
 * that need to buffer get 503 with Retry-After (counted); once it ends, they go through again.
 */
import http from 'node:http';
import type net from 'node:net';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { request } from 'undici';
import { startAdapter } from './fixtures/in-process.js';

const KiB = 1024;
let release: () => void = () => {};
const held = new Promise<void>((r) => (release = r));
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    if (req.url?.includes('hold')) await held;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.includes('big') ? JSON.stringify({ a: 'x'.repeat(48 * KiB) }) : '{"a":1}');
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
t.teardown(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const a = await startAdapter(upstreamUrl, {
  body: { max_bytes: 1024 * KiB, max_buffered_bytes: 64 * KiB, on_too_large: 'reject', strict: false },
});
t.teardown(() => a.instance.stop());

const body = JSON.stringify({ b: 'y'.repeat(48 * KiB) });
const post = (q: string) => request(`${a.base}/items/1?${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const code = 'OUTRIGGER_E_ADAPTER_OVERLOADED';

t.test('beyond the budget: 503 with Retry-After and its code, for requests and responses; back once freed', async (t) => {
  const first = post('hold');
  await waitFor(async () => (await a.metric('outrigger_api_adapter_buffered_bytes')) >= 48 * KiB, {
    what: 'the first body to be buffered',
  });
  const second = await post('x');
  t.equal(second.statusCode, 503);
  t.equal(second.headers['retry-after'], '1');
  t.match(await second.body.json(), { error: { code } });
  const big = await request(`${a.base}/items/1?big`);
  t.equal(big.statusCode, 503, 'a response body that does not fit');
  t.match(await big.body.json(), { error: { code } });
  t.equal(await a.metric('outrigger_api_adapter_errors_total', { code }), 2, 'counted');
  release();
  const r = await first;
  t.equal(r.statusCode, 200);
  await r.body.dump();
  await waitFor(async () => (await a.metric('outrigger_api_adapter_buffered_bytes')) === 0, { what: 'the budget to be freed' });
  const again = await post('x');
  t.equal(again.statusCode, 200);
  t.same(await again.body.json(), { b: 1 });
  const bigAgain = await request(`${a.base}/items/1?big`);
  t.equal(bigAgain.statusCode, 200);
  await bigAgain.body.dump();
});
