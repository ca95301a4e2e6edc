import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePki } from '@outrigger/runtime/testing';
import t, { type Test } from 'tap';
import { PartsRequest, wholePart } from '../../../src/delivery/request.js';
import { LokiEncoder, OVERFLOW_VALUE } from '../../../src/sink/loki/encoder.js';
import { lokiSink } from '../../../src/sink/loki/index.js';
import { toUnixNanos } from '../../../src/sink/loki/timestamp.js';
import { makeBatch, makeContext, metricValue, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { LokiTestServer } from '../../servers/loki.js';

t.test('timestamps become unix nanoseconds, sub-millisecond digits kept', async (t) => {
  t.equal(toUnixNanos('2026-11-26T10:00:00.123456789Z'), '1795687200123456789');
  t.equal(toUnixNanos('2026-11-26T10:00:00Z'), '1795687200000000000');
  t.equal(toUnixNanos('2026-11-26T11:00:00.5+01:00'), '1795687200500000000');
  t.equal(toUnixNanos('garbage', 1000), '1000000000');
});

t.test('encoder: streams by label set, templated labels, metadata, per-stream order, cardinality guard', async (t) => {
  const overflowed: string[] = [];
  const encoder = new LokiEncoder(
    {
      labels: { app: 'checkout', level: '{{ level }}' },
      structured_metadata: { trace_id: '{{ trace }}' },
      max_label_values: 2,
      encoding: 'raw',
    },
    (l) => overflowed.push(l),
  );
  const batch = makeBatch([
    { message: 'b', level: 'info', timestamp: '2026-11-26T10:00:02Z', trace: 't1' },
    { message: 'a', level: 'info', timestamp: '2026-11-26T10:00:01Z' },
    { message: 'c', level: 'error', timestamp: '2026-11-26T10:00:03Z' },
    { message: 'd', level: 'debug', timestamp: '2026-11-26T10:00:04Z' },
  ]);
  const body = JSON.parse(encoder.encode(new PartsRequest([wholePart(batch)])).toString());
  t.same(body.streams, [
    {
      stream: { app: 'checkout', level: 'info' },
      values: [
        ['1795687201000000000', 'a'],
        ['1795687202000000000', 'b', { trace_id: 't1' }],
      ],
    },
    { stream: { app: 'checkout', level: 'error' }, values: [['1795687203000000000', 'c']] },
    { stream: { app: 'checkout', level: OVERFLOW_VALUE }, values: [['1795687204000000000', 'd']] },
  ]);
  t.same(overflowed, ['level'], 'the third distinct value overflowed');
});

t.test('rules: a label from a per-event field is refused', async (t) => {
  const issues = lokiSink.rules({ labels: { msg: '{{ message }}', app: 'x' } } as never);
  t.same(
    issues.map((i) => i.path),
    ['labels.msg'],
  );
});

async function setup(t: Test, extra: Record<string, unknown> = {}, server = new LokiTestServer()) {
  await server.listen();
  t.teardown(() => server.close());
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const sink = sinkFrom(
    lokiSink,
    'loki',
    {
      type: 'loki',
      inputs: ['app'],
      endpoint: server.url,
      labels: { app: 'checkout', file: '{{ file }}' },
      batch: { timeout_ms: 0 },
      ...extra,
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  return { server, ctx, sink };
}

t.test('pushes to the Loki API: labels, tenant header, gzip, healthcheck', async (t) => {
  const { server, sink } = await setup(t, { tenant_id: 'team-a', compression: 'gzip', structured_metadata: { id: '{{ request_id }}' } });
  server.multiTenant = true;
  await sink.start();
  t.ok(sink.health().healthy, 'GET /ready passed');
  const b = makeBatch([{ message: 'hello', request_id: 'r1' }, 'world']);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  t.equal(server.entries.length, 2);
  t.match(server.entries[0], { tenant: 'team-a', labels: { app: 'checkout', file: '/var/log/app/app.log' }, metadata: { id: 'r1' } });
  t.same(JSON.parse(server.entries[1]?.line ?? '{}').message, 'world', 'encoding json: the whole event is the line');
  t.equal(server.pushes[0]?.headers['content-encoding'], 'gzip');
});

t.test('429 with Retry-After: 5 → nothing re-sent before 5 s, then delivered', async (t) => {
  const { server, ctx, sink } = await setup(t);
  server.script.push(LokiTestServer.rateLimited(5));
  const b = makeBatch(['one', 'two']);
  await sink.write(b);
  await until(() => server.pushes.length === 1, 'first push');
  await until(() => !sink.health().healthy, 'unhealthy while rate limited');
  t.match(sink.health().reason, /HTTP 429: Ingestion rate limit exceeded/);
  await until(() => b.acked, 'delivered after Retry-After', 15_000);
  t.equal(server.pushes.length, 2, 'exactly one re-send');
  const gap = (server.pushes[1]?.at ?? 0) - (server.pushes[0]?.at ?? 0);
  t.ok(gap >= 5000, `re-sent after ${gap} ms (>= 5000)`);
  t.equal(server.entries.length, 2);
  t.equal(await metricValue(ctx, 'sink_retries_total', { sink: 'loki' }), 1);
});

t.test('400 → dead-letter with the error, not retried', async (t) => {
  const { server, ctx, sink } = await setup(t);
  server.script.push(LokiTestServer.tooOld());
  const b = makeBatch(['old line']);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged once dead-lettered');
  t.equal(server.pushes.length, 1, 'not retried');
  const dead = readFileSync(join(ctx.stateDir, 'dead-letter', 'loki.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(dead.length, 1);
  t.match(dead[0], { status: 400, reason: /timestamp too old/, event: { message: 'old line' } });
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'loki' }), 1);
});

t.test('a malformed push is refused by the test server as Loki does (the server is faithful)', async (t) => {
  const server = await new LokiTestServer().listen();
  t.teardown(() => server.close());
  const res = await fetch(`${server.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: {}, values: [['1', 'x']] }] }),
  });
  t.equal(res.status, 400);
  t.match(await res.text(), /at least one label pair is required per stream/);
  const bad = await fetch(`${server.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [[1, 'x']] }] }),
  });
  t.equal(bad.status, 400);
});

t.test('entries of a stream arrive in order across many requests (one request in flight)', async (t) => {
  const { server, sink } = await setup(t, { concurrency: 8, batch: { max_events: 10, timeout_ms: 0 } });
  const batches = Array.from({ length: 20 }, (_, i) =>
    makeBatch(
      Array.from({ length: 10 }, (_, j) => ({
        message: `m${i * 10 + j}`,
        timestamp: new Date(Date.UTC(2026, 10, 26, 10, 0, 0, i * 10 + j)).toISOString(),
      })),
    ),
  );
  for (const b of batches) await sink.write(b);
  await until(() => batches.every((b) => b.acked), 'all acknowledged');
  t.equal(server.entries.length, 200);
  const ts = server.entries.map((e) => BigInt(e.ts));
  t.ok(
    ts.every((v, i) => i === 0 || v > (ts[i - 1] as bigint)),
    'timestamps strictly increasing in arrival order',
  );
  t.equal(server.maxConcurrent, 1, 'never two pushes at once, whatever concurrency says');
});

t.test('TLS: a server certificate from an unknown CA is refused with a clear error; with the CA it works', async (t) => {
  const ctx0 = await makeContext();
  t.teardown(() => ctx0.cleanup());
  const pki = await makePki(join(ctx0.dir, 'loki'));
  const other = await makePki(join(ctx0.dir, 'other'));
  const server = new LokiTestServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) });
  await server.listen();
  t.teardown(() => server.close());
  t.match(server.url, /^https:/);

  for (const tls of [undefined, { ca_file: other.caCert }]) {
    const ctx = await makeContext();
    t.teardown(() => ctx.cleanup());
    const cfg = {
      type: 'loki',
      inputs: ['app'],
      endpoint: server.url,
      labels: { app: 'x' },
      batch: { timeout_ms: 0 },
      ...(tls ? { tls } : {}),
    };
    const sink = sinkFrom(lokiSink, 'loki', cfg, ctx);
    await sink.start();
    const health = sink.health();
    t.notOk(health.healthy, 'refused');
    t.match(
      health.reason,
      /^TLS verification failed for https:\/\/127\.0\.0\.1:\d+\/: .*unknown CA.*; set tls\.ca_file to the CA that signed the server's certificate$/,
    );
    const b = makeBatch(['secret']);
    await sink.write(b);
    await until(() => ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_SINK_TLS'), 'the TLS failure logged with its code');
    t.notOk(b.acked, 'not delivered, not acknowledged');
    await sink.stop(AbortSignal.timeout(200));
  }
  t.equal(server.entries.length, 0, 'nothing reached the server');

  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const sink = sinkFrom(
    lokiSink,
    'loki',
    { type: 'loki', inputs: ['app'], endpoint: server.url, labels: { app: 'x' }, batch: { timeout_ms: 0 }, tls: { ca_file: pki.caCert } },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy, 'healthy with the CA');
  const b = makeBatch(['over tls']);
  await sink.write(b);
  await until(() => b.acked, 'delivered over TLS');
  t.equal(server.entries[0]?.line && JSON.parse(server.entries[0].line).message, 'over tls');
});
