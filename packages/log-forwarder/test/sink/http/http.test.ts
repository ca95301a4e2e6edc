import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { idempotencyKey } from '../../../src/sink/http/idempotency-key.js';
import { httpSink } from '../../../src/sink/http/index.js';
import { makeBatch, makeContext, metricValue, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { type ScriptedResponse, send, TestHttpServer } from '../../servers/http-server.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  path: string;
}

function recorder() {
  const received: Received[] = [];
  const script: ScriptedResponse[] = [];
  const server = new TestHttpServer((req, body, res) => {
    if (req.method === 'HEAD') return send(res, 405);
    received.push({ headers: req.headers, body: body.toString(), path: req.url ?? '' });
    const next = script.shift();
    if (next) return send(res, next.status, next.body ?? '', next.headers);
    send(res, 200, { ok: true });
  });
  return { server, received, script };
}

t.test('ndjson with gzip, custom headers, idempotency key, id field', async (t) => {
  const { server, received } = recorder();
  await server.listen();
  t.teardown(() => server.close());
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const sink = sinkFrom(
    httpSink,
    'collector',
    {
      type: 'http',
      inputs: ['app'],
      endpoint: `${server.url}/ingest?x=1`,
      compression: 'gzip',
      headers: { 'X-Team': 'payments' },
      id_field: 'event_id',
      batch: { timeout_ms: 0 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy, 'any HTTP answer to HEAD means reachable');
  const b = makeBatch(['one', 'two']);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  const r = received[0] as Received;
  t.equal(r.path, '/ingest?x=1');
  t.equal(r.headers['content-encoding'], 'gzip');
  t.equal(r.headers['content-type'], 'application/x-ndjson');
  t.equal(r.headers['x-team'], 'payments');
  t.equal(r.headers['idempotency-key'], idempotencyKey(b.ids()));
  const lines = r.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(lines, [
    { message: 'one', event_id: 'dev1-ino1-fp1:0' },
    { message: 'two', event_id: 'dev1-ino1-fp1:4' },
  ]);
});

t.test('json_array; a retried request carries the same idempotency key', async (t) => {
  const { server, received, script } = recorder();
  await server.listen();
  t.teardown(() => server.close());
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  script.push({ status: 503, body: 'busy' });
  const sink = sinkFrom(
    httpSink,
    'collector',
    {
      type: 'http',
      inputs: ['app'],
      endpoint: server.url,
      encoding: 'json_array',
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 5 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const b = makeBatch(['a', 'b', 'c']);
  await sink.write(b);
  await until(() => b.acked, 'delivered after a retry');
  t.equal(received.length, 2);
  t.equal(received[0]?.headers['idempotency-key'], received[1]?.headers['idempotency-key']);
  t.same(
    JSON.parse(received[1]?.body ?? '').map((e: { message: string }) => e.message),
    ['a', 'b', 'c'],
  );
  t.equal(received[1]?.headers['content-type'], 'application/json');
});

t.test('bearer token read from a file and re-read when it changes; 401 retried, not dead-lettered', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const tokenFile = join(ctx.dir, 'token');
  writeFileSync(tokenFile, 'old-token\n');
  let valid = 'old-token';
  const seen: string[] = [];
  const server = new TestHttpServer((req, _body, res) => {
    if (req.method !== 'POST') return send(res, 200);
    seen.push(String(req.headers.authorization));
    if (req.headers.authorization !== `Bearer ${valid}`) return send(res, 401, 'invalid token');
    send(res, 204);
  });
  await server.listen();
  t.teardown(() => server.close());
  const sink = sinkFrom(
    httpSink,
    'collector',
    {
      type: 'http',
      inputs: ['app'],
      endpoint: server.url,
      auth: { type: 'bearer', token_file: 'token' },
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 20, max_backoff_ms: 50 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const a = makeBatch(['a']);
  await sink.write(a);
  await until(() => a.acked, 'first delivered');
  // The secret is rotated on the server and then in the mounted file.
  valid = 'new-token';
  const b = makeBatch(['b'], { offset: 10 });
  await sink.write(b);
  await until(() => seen.length >= 2 && !sink.health().healthy, 'refused with the old token');
  t.match(sink.health().reason, /authentication failed: HTTP 401/);
  writeFileSync(tokenFile, 'new-token\n');
  await until(() => b.acked, 'delivered once the file has the new token', 10_000);
  t.equal(seen.at(-1), 'Bearer new-token');
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'collector' }), 0, 'nothing dead-lettered');
  t.ok(
    ctx.logs.every((l) => !JSON.stringify(l).includes('new-token')),
    'the token never appears in logs',
  );
});

t.test('basic auth; 404 → dead-letter; healthcheck_path', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  writeFileSync(join(ctx.dir, 'pw'), 's3cret');
  let auth = '';
  const server = new TestHttpServer((req, _body, res) => {
    auth = String(req.headers.authorization);
    if (req.url === '/health') return send(res, 503, 'starting');
    send(res, 404, 'no such route');
  });
  await server.listen();
  t.teardown(() => server.close());
  const sink = sinkFrom(
    httpSink,
    'collector',
    {
      type: 'http',
      inputs: ['app'],
      endpoint: `${server.url}/wrong`,
      healthcheck_path: '/health',
      auth: { type: 'basic', user: 'u', password_file: 'pw' },
      batch: { timeout_ms: 0 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.same(sink.health(), { healthy: false, reason: 'healthcheck GET /health returned HTTP 503' });
  t.equal(auth, `Basic ${Buffer.from('u:s3cret').toString('base64')}`);
  const b = makeBatch(['lost?']);
  await sink.write(b);
  await until(() => b.acked, 'dead-lettered');
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'collector' }), 1);
});
