/**
 * The client suite written against the newest version (2024-06-01), run through the adapter in
 * inbound mode in front of the legacy app (2023-01-01 only), both real processes.
 * Also: acceptance 6 (bytes identical) and 8 (unknown version; SIGTERM mid-request).
 */
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { BIG_NUMBER_JSON, BROKEN_JSON, PNG } from '../fixtures/app-data.js';
import { BIN, startApp } from '../fixtures/app-process.js';
import { inboundConfig } from '../fixtures/configs.js';

const app = await startApp('legacy');
t.teardown(() => app.stop());
const adapter = await spawnSidecar({ bin: BIN, config: inboundConfig(app.url) });
t.teardown(() => adapter.stop('SIGKILL'));
const base = `http://${await adapter.listenerAddress('data')}`;
await adapter.waitReady();

const NEW = { 'api-version': '2024-06-01' };
const get = (path: string, headers: Record<string, string> = NEW) => fetch(base + path, { headers });
const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

t.test('client suite on 2024-06-01', async (t) => {
  t.test('GET a customer: name split, version echoed, Vary set, ETag marked', async (t) => {
    const r = await get('/customers/1');
    t.equal(r.status, 200);
    t.same(await r.json(), { id: 1, given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' });
    t.equal(r.headers.get('api-version'), '2024-06-01');
    t.match(r.headers.get('vary'), /api-version/);
    t.match(r.headers.get('etag'), /^"[0-9a-f]+;v=2024-06-01"$/);
  });

  t.test('the default version is the newest', async (t) => {
    const r = await get('/customers/2', {});
    t.same(await r.json(), { id: 2, given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.com' });
    t.equal(r.headers.get('api-version'), '2024-06-01');
  });

  t.test('POST a customer: the request walks down, the response up', async (t) => {
    const r = await fetch(`${base}/customers`, {
      method: 'POST',
      headers: { ...NEW, 'content-type': 'application/json' },
      body: JSON.stringify({ given_name: 'Alan', family_name: 'Turing', email: 'alan@example.com' }),
    });
    t.equal(r.status, 201);
    const body = (await r.json()) as Record<string, unknown>;
    t.same(body.received, { name: 'Alan Turing', email: 'alan@example.com' }, 'the app got its own shape');
    t.match(body, { given_name: 'Alan', family_name: 'Turing' });
    t.match(r.headers.get('location'), /^\/customers\/\d+$/);
  });

  t.test('a path-prefixed caller gets prefixed links back', async (t) => {
    const r = await fetch(`${base}/v2024-06-01/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ given_name: 'Edsger', family_name: 'Dijkstra', email: 'e@example.com' }),
    });
    t.equal(r.status, 201);
    t.match(r.headers.get('location'), /^\/v2024-06-01\/customers\/\d+$/);
    const list = await fetch(`${base}/v2024-06-01/customers`);
    const doc = (await list.json()) as { data: Record<string, unknown>[]; next_url: string };
    t.equal(doc.next_url, '/v2024-06-01/customers?cursor=end', 'configured body link field rewritten');
    t.equal(list.headers.get('link'), '</v2024-06-01/customers?cursor=end>; rel="next"');
    t.match(doc.data[0], { given_name: 'Ada', family_name: 'Lovelace' });
  });

  t.test('invoices: cents, renamed statuses, limit instead of page_size', async (t) => {
    const r = await get('/invoices?limit=5');
    const doc = (await r.json()) as { data: { id: number; amount: number; status: string }[]; cursor: string; page_size_seen: number };
    t.equal(doc.page_size_seen, 5, 'the app received page_size=5');
    t.same(
      doc.data.map((i) => i.amount),
      [1000, 1007, 1014, 1021, 1028],
    );
    t.same(
      doc.data.map((i) => i.status),
      ['settled', 'pending', 'pending', 'settled', 'pending'],
    );
    t.equal(doc.cursor, '5');
    const created = await fetch(`${base}/invoices`, {
      method: 'POST',
      headers: { ...NEW, 'content-type': 'application/json' },
      body: '{"amount": 1999}',
    });
    t.equal(created.status, 201);
    const c = (await created.json()) as { amount: number; received: unknown };
    t.same(c.received, { amount: '19.99' }, 'the app received a decimal string');
    t.equal(c.amount, 1999);
  });

  t.test('errors in the new shape', async (t) => {
    const r = await get('/customers/999');
    t.equal(r.status, 404);
    t.same(await r.json(), { error: { message: 'no such customer', type: 'not_found' } });
  });

  t.test('a removed endpoint answers 410 with a code', async (t) => {
    const r = await get('/customers/1/legacy-export');
    t.equal(r.status, 410);
    t.match(await r.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_ENDPOINT_REMOVED', message: /removed in API version 2024-06-01/ } });
    const old = await get('/customers/1/legacy-export', { 'api-version': '2023-01-01' });
    t.equal(old.status, 200, 'callers on the app’s version still reach it');
  });

  t.test('the middle version gets only its changes', async (t) => {
    const r = await get('/invoices/1', { 'api-version': '2023-09-01' });
    t.same(await r.json(), { id: 1, amount: '10.00', status: 'paid' });
    const c = await get('/customers/1', { 'api-version': '2023-09-01' });
    t.match(await c.json(), { given_name: 'Ada' });
  });

  t.test('HEAD is never parsed', async (t) => {
    const r = await fetch(`${base}/customers/1`, { method: 'HEAD', headers: NEW });
    t.equal(r.status, 200);
    t.equal(r.headers.get('content-length'), null, 'the upstream length would be wrong for the transformed body');
    t.equal(r.headers.get('api-version'), '2024-06-01');
  });

  t.test('conditional requests reach the app without the version mark', async (t) => {
    const r = await get('/echo', { ...NEW, 'if-none-match': '"abc;v=2024-06-01", W/"d;v=2023-01-01"' });
    const doc = (await r.json()) as { headers: Record<string, string> };
    t.equal(doc.headers['if-none-match'], '"abc", W/"d"');
    t.equal(doc.headers['api-version'], '2023-01-01', 'the app is told its own version');
    t.match(doc.headers['x-forwarded-for'], /127\.0\.0\.1/);
  });
});

t.test('acceptance 6: bytes identical to the upstream for PNG, invalid JSON and unmatched routes', async (t) => {
  const png = await get('/customers/1/avatar');
  t.equal(png.headers.get('content-type'), 'image/png');
  t.same(await bytes(png), PNG, 'PNG on a matched route');
  const broken = await get('/invoices/broken');
  t.equal(broken.status, 200);
  t.equal((await bytes(broken)).toString('latin1'), BROKEN_JSON, 'invalid JSON on a matched route');
  const stats = await get('/stats');
  const raw = await bytes(stats);
  t.equal(raw.toString(), BIG_NUMBER_JSON, 'unmatched route: 12345678901234567890 and 1.50 intact');
  t.same(raw, await bytes(await fetch(`${app.url}/stats`)), 'same bytes as direct');
  const metrics = await (await fetch(`${adapter.adminUrl}/metrics`)).text();
  t.match(
    metrics,
    /outrigger_api_adapter_untransformed_bodies_total\{message="response",reason="malformed_json"\} [1-9]/,
    'malformed JSON counted',
  );
  t.match(metrics, /outrigger_api_adapter_changes_applied_total\{version="2024-06-01",change="2024-06-01#0"\} [1-9]/);
  t.match(metrics, /outrigger_api_adapter_transform_duration_seconds_count\{message="response"\} [1-9]/);
});

t.test('malformed JSON in a matched request → 400 in the caller’s error shape', async (t) => {
  const r = await fetch(`${base}/customers`, {
    method: 'POST',
    headers: { ...NEW, 'content-type': 'application/json' },
    body: '{"given_name": ',
  });
  t.equal(r.status, 400);
  t.match(await r.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_MALFORMED_JSON', message: /not valid JSON/ } });
});

t.test('acceptance 8a: unknown version → 400 with its code', async (t) => {
  const r = await get('/customers/1', { 'api-version': '2030-01-01' });
  t.equal(r.status, 400);
  t.match(await r.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION', message: /2030-01-01/ } });
  const p = await get('/v2031-01-01/customers/1', {});
  t.equal(p.status, 400);
  t.match(await p.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION' } });
});

t.test('acceptance 8b: SIGTERM mid-request → the request completes', async (t) => {
  const pending = get('/slow?id=sigterm');
  await waitFor(async () => ((await (await fetch(`${app.url}/pending`)).json()) as string[]).includes('sigterm'), { timeoutMs: 10_000 });
  adapter.child.kill('SIGTERM');
  await adapter.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down'));
  await fetch(`${app.url}/release?id=sigterm`, { method: 'POST' });
  const r = await pending;
  t.equal(r.status, 200);
  t.same(await r.json(), { released: 'sigterm' });
  const exit = await adapter.exited;
  t.equal(exit.code, 0, 'exits cleanly after draining');
});
