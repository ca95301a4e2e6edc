/**
 * Acceptance 7: a 20 MiB JSON body on a matched route with a 10 MiB cap → 413, or pass-through
 * per config; memory stays bounded (peak RSS of the adapter process, from /proc).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { spawnSidecar } from '@outrigger/runtime/testing';
import t from 'tap';
import { request } from 'undici';
import { BIN, startApp } from '../fixtures/app-process.js';
import { inboundConfig } from '../fixtures/configs.js';

const MiB = 1024 * 1024;
/**
 * Memory is judged with a body much larger than the cap: buffering it would grow the peak RSS by
 * more than HUGE, while a bounded adapter stays near the 10 MiB cap plus garbage not yet collected.
 */
const HUGE = 160 * MiB;
const BOUND = 96 * MiB;
const app = await startApp('legacy');
t.teardown(() => app.stop());

/** A JSON body of about `size` bytes that the customer change would transform. */
function bigJson(size: number): Buffer {
  const head = '{"given_name":"Big","family_name":"Body","pad":"';
  return Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 2, 'a'), Buffer.from('"}')]);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return Number(m?.[1]) * 1024;
}

async function start(onTooLarge: 'reject' | 'pass_through') {
  const adapter = await spawnSidecar({
    bin: BIN,
    config: inboundConfig(app.url, { body: { max_bytes: 10 * MiB, on_too_large: onTooLarge } }),
  });
  const base = `http://${await adapter.listenerAddress('data')}`;
  await adapter.waitReady();
  // Warm up so that the baseline includes a normal transformed exchange.
  await (await fetch(`${base}/customers/1`)).arrayBuffer();
  return { adapter, base };
}

const post = (base: string, body: Buffer) =>
  request(`${base}/customers`, { method: 'POST', headers: { 'content-type': 'application/json', 'api-version': '2024-06-01' }, body });

t.test('reject: 20 MiB with a 10 MiB cap → 413 with its code; memory bounded', async (t) => {
  const { adapter, base } = await start('reject');
  t.teardown(() => adapter.stop('SIGKILL'));
  const before = await peakRss(adapter.pid);
  const r = await post(base, bigJson(20 * MiB));
  t.equal(r.statusCode, 413);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE' } });
  const huge = await post(base, bigJson(HUGE));
  t.equal(huge.statusCode, 413);
  await huge.body.dump();
  const grown = (await peakRss(adapter.pid)) - before;
  t.ok(grown < BOUND, `peak RSS grew by ${(grown / MiB).toFixed(1)} MiB after refusing 20 and ${HUGE / MiB} MiB bodies`);
  const small = await fetch(`${base}/customers/2`);
  t.equal(small.status, 200, 'the adapter keeps serving');
});

t.test('pass_through: the body streams to the app untouched; memory bounded', async (t) => {
  const { adapter, base } = await start('pass_through');
  t.teardown(() => adapter.stop('SIGKILL'));
  const before = await peakRss(adapter.pid);
  const body = bigJson(20 * MiB);
  const r = await post(base, body);
  t.equal(r.statusCode, 200);
  const doc = (await r.body.json()) as { received_bytes: number; sha256: string };
  t.equal(doc.received_bytes, body.length);
  t.equal(doc.sha256, createHash('sha256').update(body).digest('hex'), 'the app received the exact bytes');
  const big = bigJson(HUGE);
  const r2 = await post(base, big);
  t.equal(((await r2.body.json()) as { received_bytes: number }).received_bytes, big.length);
  const grown = (await peakRss(adapter.pid)) - before;
  t.ok(grown < BOUND, `peak RSS grew by ${(grown / MiB).toFixed(1)} MiB while ${HUGE / MiB} MiB went through`);
  const metrics = await (await fetch(`${adapter.adminUrl}/metrics`)).text();
  t.match(metrics, /outrigger_api_adapter_untransformed_bodies_total\{message="request",reason="too_large"\} 2/);
});
