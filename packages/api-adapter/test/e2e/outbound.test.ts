/**
 * The mirror case: a legacy client speaking "1" calls the adapter in outbound mode, which
 * translates to an external service speaking "2" under /v2 over HTTPS (TLS origination, verified
 * against a CA file). "1.1" sits in between, so every exchange walks a chain of three versions.
 * Acceptance 1-5 run here against the real service process.
 */
import { copyFile, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { makePki, spawnSidecar } from '@outrigger/runtime/testing';
import t from 'tap';
import { request } from 'undici';
import { BIN, startApp } from '../fixtures/app-process.js';
import { outboundConfig } from '../fixtures/configs.js';

const pkiDir = await mkdtemp(join(tmpdir(), 'aa-tls-'));
t.teardown(() => rm(pkiDir, { recursive: true, force: true }));
const pki = await makePki(pkiDir);
const service = await startApp('modern', { cert: pki.serverCert, key: pki.serverKey });
t.teardown(() => service.stop());
const adapter = await spawnSidecar({ bin: BIN, config: outboundConfig(service.url, pki.caCert) });
t.teardown(() => adapter.stop('SIGKILL'));
const address = await adapter.listenerAddress('data');
const base = `http://${address}`;
await adapter.waitReady();

const json = { 'content-type': 'application/json' };

t.test('legacy client suite on version 1', async (t) => {
  t.test('GET a customer in the v1 shape', async (t) => {
    const r = await fetch(`${base}/v1/customers/1`);
    t.equal(r.status, 200);
    t.same(await r.json(), { id: 1, fullname: 'Ada Lovelace', email: 'ada@example.com' });
    t.equal(r.headers.get('api-version'), '1');
  });
  t.test('the default version (no prefix, no header) is 1 here', async (t) => {
    const r = await fetch(`${base}/customers/2`);
    t.same(await r.json(), { id: 2, fullname: 'Grace Hopper', email: 'grace@example.com' });
  });
  t.test('list of customers', async (t) => {
    const r = await fetch(`${base}/v1/customers`);
    const doc = (await r.json()) as { data: unknown[] };
    t.same(doc.data.slice(0, 2), [
      { id: 1, fullname: 'Ada Lovelace', email: 'ada@example.com' },
      { id: 2, fullname: 'Grace Hopper', email: 'grace@example.com' },
    ]);
  });
});

t.test('acceptance 1: a request from the oldest version walks up every change in order; the response walks back down', async (t) => {
  const r = await fetch(`${base}/v1/customers`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ fullname: 'Alan Mathison Turing', email: 'a@t' }),
  });
  t.equal(r.status, 201);
  const body = (await r.json()) as Record<string, unknown>;
  // 1 → 1.1 renames fullname → name; 1.1 → 2 splits name. Only that order yields given/family.
  t.same(body.received, { given_name: 'Alan', family_name: 'Mathison Turing', email: 'a@t' }, 'what the v2 service received');
  // 2 → 1.1 joins given/family into name; 1.1 → 1 renames name → fullname.
  t.match(body, { fullname: 'Alan Mathison Turing', email: 'a@t' });
  t.notOk('given_name' in body || 'name' in body, 'no intermediate shapes leak');
  t.equal(r.headers.get('api-version'), '1');
});

t.test('acceptance 2: gzip-encoded upstream response to a matched route', async (t) => {
  const r = await request(`${base}/v1/invoices?page_size=20`, { headers: { 'accept-encoding': 'gzip' } });
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-encoding'], 'gzip');
  const raw = Buffer.from(await r.body.arrayBuffer());
  t.equal(Number(r.headers['content-length']), raw.length, 'Content-Length is the re-encoded length');
  t.equal(r.headers['transfer-encoding'], undefined);
  const doc = JSON.parse(gunzipSync(raw).toString()) as { data: { amount: unknown }[] };
  t.same(
    doc.data.slice(0, 3).map((i) => i.amount),
    ['10.00', '10.07', '10.14'],
    'cents became decimal strings',
  );
  t.match(r.headers.etag, /;v=1"$/);
});

t.test('acceptance 3: upstream 404 {"error":{...}} → the old version’s 400 {"message":...}', async (t) => {
  const r = await fetch(`${base}/v1/customers/999`);
  t.equal(r.status, 400);
  t.same(await r.json(), { message: 'no such customer' });
});

t.test('acceptance 4: 1,000 items all transformed, cursor untouched, Link rel=next rewritten', async (t) => {
  const r = await fetch(`${base}/v1/invoices?page_size=1000`);
  t.equal(r.status, 200);
  const doc = (await r.json()) as { data: { id: number; amount: unknown }[]; cursor: string; page_size_seen: number };
  t.equal(doc.data.length, 1000);
  t.equal(doc.page_size_seen, 1000, 'page_size reached the service as limit');
  const bad = doc.data.filter(
    (inv) => inv.amount !== `${Math.floor((1000 + (inv.id - 1) * 7) / 100)}.${String((1000 + (inv.id - 1) * 7) % 100).padStart(2, '0')}`,
  );
  t.same(bad, [], 'every element converted');
  t.equal(doc.cursor, '1000');
  const link = r.headers.get('link') ?? '';
  t.match(
    link,
    new RegExp(`^<http://${address.replace(/[.[\]]/g, '\\$&')}/v1/invoices\\?cursor=1000&limit=1000>; rel="next"`),
    'next points back through the adapter at the v1 path',
  );
  t.match(link, /<https:\/\/elsewhere\.example\/v2\/invoices>; rel="alternate"/, 'other origins untouched');
});

t.test('acceptance 5: 201 with Location: /v2/invoices/N → /v1/invoices/N', async (t) => {
  const r = await fetch(`${base}/v1/invoices`, { method: 'POST', headers: json, body: '{"amount":"12.34"}' });
  t.equal(r.status, 201);
  const body = (await r.json()) as { id: number; amount: unknown; received: unknown };
  t.same(body.received, { amount: 1234 }, 'the service received cents');
  t.equal(body.amount, '12.34');
  t.equal(r.headers.get('location'), `/v1/invoices/${body.id}`);
});

t.test('TLS origination fails closed without the CA', async (t) => {
  const other = await spawnSidecar({
    bin: BIN,
    config: outboundConfig(service.url, pki.caCert, { upstream: { url: service.url, version: '2', path_prefix: '/v2' } }),
  });
  t.teardown(() => other.stop('SIGKILL'));
  const r = await fetch(`http://${await other.listenerAddress('data')}/v1/customers/1`);
  t.equal(r.status, 502);
  t.match(await r.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE' } });
});

t.test('a CA file replaced on disk is used by new connections, without a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const otherPki = await makePki(join(dir, 'other'));
  const caFile = join(dir, 'ca.pem');
  await copyFile(otherPki.caCert, caFile);
  const rotating = await spawnSidecar({ bin: BIN, config: outboundConfig(service.url, caFile) });
  t.teardown(() => rotating.stop('SIGKILL'));
  const url = `http://${await rotating.listenerAddress('data')}/v1/customers/1`;
  t.equal((await fetch(url)).status, 502, 'the service is refused while the CA file holds another CA');
  // The way a Secret update lands: the new file renamed into place.
  await copyFile(pki.caCert, `${caFile}.new`);
  await rename(`${caFile}.new`, caFile);
  await rotating.waitForLog((l) => l.msg === 'tls files reloaded; new connections use them');
  const r = await fetch(url);
  t.equal(r.status, 200, 'the new CA trusted');
  t.match(await r.json(), { id: 1, fullname: 'Ada Lovelace' });
  t.equal(rotating.child.exitCode, null, 'same process');
});
