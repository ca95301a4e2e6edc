import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePki } from '@outrigger/runtime/testing';
import t, { type Test } from 'tap';
import { Delivery } from '../../../src/delivery/outcome.js';
import { elasticsearchSink } from '../../../src/sink/elasticsearch/index.js';
import { decideBulk } from '../../../src/sink/elasticsearch/retry.js';
import { makeBatch, makeBatches, makeContext, metricValue, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { ElasticsearchTestServer } from '../../servers/elasticsearch.js';
import { filterPath } from '../../servers/filter-path.js';

async function setup(t: Test, extra: Record<string, unknown> = {}, server = new ElasticsearchTestServer()) {
  if (!server.server) await server.listen();
  t.teardown(() => server.close());
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const sink = sinkFrom(
    elasticsearchSink,
    'search',
    {
      type: 'elasticsearch',
      inputs: ['app'],
      endpoint: server.url,
      index: 'logs-app',
      batch: { timeout_ms: 0, max_events: 100 },
      retry: { initial_backoff_ms: 10, max_backoff_ms: 50 },
      ...extra,
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  return { server, ctx, sink };
}

t.test('bulk create with deterministic _id and @timestamp; healthcheck', async (t) => {
  const { server, sink } = await setup(t, { compression: 'gzip' });
  await sink.start();
  t.ok(sink.health().healthy);
  const b = makeBatch(['a', 'b', 'c'], { identity: 'd1-i7-f9' });
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  const docs = server.docs('logs-app');
  t.same([...docs.keys()], ['d1-i7-f9:0', 'd1-i7-f9:2', 'd1-i7-f9:4']);
  t.match(docs.get('d1-i7-f9:0')?.source, { '@timestamp': '2026-11-26T10:00:00.123456789Z', message: 'a', file: '/var/log/app/app.log' });
});

t.test('the same batch sent twice (an at-least-once restart): 409 on create counts as delivered, nothing duplicated', async (t) => {
  const { server, ctx, sink } = await setup(t);
  const first = makeBatch(['x', 'y']);
  await sink.write(first);
  await until(() => first.acked, 'first delivery');
  const again = makeBatch(['x', 'y']);
  await sink.write(again);
  await until(() => again.acked, 'second delivery acknowledged');
  t.equal(server.docs('logs-app').size, 2, 'stored once');
  t.equal(server.attempts.get('dev1-ino1-fp1:0'), 2, 'the second create reached the server');
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'search' }), 4, '409s counted as delivered');
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'search' }), 0);
  t.equal(await metricValue(ctx, 'sink_retries_total', { sink: 'search' }), 0);
});

t.test('_bulk where 1 of 100 items gets 429 → only that item is re-sent', async (t) => {
  const { server, ctx, sink } = await setup(t);
  let rejected = false;
  const batch = makeBatches(100, 100)[0];
  if (!batch) throw new Error('no batch');
  const target = batch.ids()[42] as string;
  server.itemFault = (id) => {
    if (id !== target || rejected) return undefined;
    rejected = true;
    return ElasticsearchTestServer.rejectedExecution();
  };
  await sink.write(batch);
  await until(() => batch.acked, 'acknowledged');
  t.equal(server.bulks.length, 2, 'two bulk requests');
  t.equal(server.bulks[0]?.ids.length, 100);
  t.same(server.bulks[1]?.ids, [target], 'the retry carries only the rejected item');
  t.equal(server.docs('logs-app').size, 100, 'all 100 stored');
  t.ok([...server.attempts.values()].every((n, i) => n === ([...server.attempts.keys()][i] === target ? 2 : 1)));
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'search' }), 100);
  t.equal(await metricValue(ctx, 'sink_retries_total', { sink: 'search' }), 1);
});

t.test('the _bulk answer is filtered to what the decision reads (filter_path), item errors included', async (t) => {
  const { server, sink } = await setup(t);
  server.itemFault = (id) =>
    id.endsWith(':4') && server.attempts.get(id) === 1
      ? { status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' }
      : undefined;
  const b = makeBatch(['a', 'b', 'c']);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  const [first, retry] = server.bulks;
  t.equal(first?.filter, 'errors,items.*.status,items.*.error');
  t.same(JSON.parse(first?.answer ?? ''), {
    errors: true,
    items: [
      { create: { status: 201 } },
      { create: { status: 201 } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
    ],
  });
  t.same(retry?.ids, ['dev1-ino1-fp1:4'], 'the 429 item, found through the filtered answer, was sent again');
  t.equal(server.docs('logs-app').size, 3);
});

t.test('filter_response: false sends no filter_path (a compatible store that refuses it)', async (t) => {
  const { server, sink } = await setup(t, { filter_response: false, pipeline: 'p 1' });
  const b = makeBatch(['a']);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  t.equal(server.bulks[0]?.filter, null);
  t.match(JSON.parse(server.bulks[0]?.answer ?? ''), { items: [{ create: { _shards: { total: 2 }, status: 201 } }] }, 'the whole answer');
  t.equal(server.bulks[0]?.query, '?pipeline=p%201');
});

t.test('the test server filters as Elasticsearch documents filter_path', async (t) => {
  const search = { took: 3, timed_out: false, _shards: { total: 1 }, hits: { total: 1, hits: [{ _index: 'x', _id: '0', _score: 1.6 }] } };
  t.same(filterPath(search, 'took,hits.hits._id,hits.hits._score'), { took: 3, hits: { hits: [{ _id: '0', _score: 1.6 }] } });
  t.same(filterPath(search, '-_shards,-hits'), { took: 3, timed_out: false });
  const state = { metadata: { indices: { a: { state: 'open', settings: {} }, b: { state: 'close' } } } };
  t.same(filterPath(state, 'metadata.indices.*.state'), { metadata: { indices: { a: { state: 'open' }, b: { state: 'close' } } } });
  t.same(filterPath({ r: { indices: { a: { shards: { 0: [{ state: 'STARTED', node: 'n' }] } } } } }, 'r.indices.**.state'), {
    r: { indices: { a: { shards: { 0: [{ state: 'STARTED' }] } } } },
  });
  t.same(filterPath(search, '_s*'), { _shards: { total: 1 } });
});

t.test('a mapping error item → dead-letter with the error; the others stored', async (t) => {
  const { server, ctx, sink } = await setup(t);
  const b = makeBatch([
    { message: 'one', status: 200 },
    { message: 'two', status: 'not-a-number' },
    { message: 'three', status: 404 },
  ]);
  await sink.write(b);
  await until(() => b.acked, 'acknowledged');
  t.equal(server.bulks.length, 1, 'the mapping error is not retried');
  t.equal(server.docs('logs-app').size, 2);
  const dead = readFileSync(join(ctx.stateDir, 'dead-letter', 'search.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(dead.length, 1);
  t.match(dead[0], {
    status: 400,
    reason: /document_parsing_exception: .*failed to parse field \[status\] of type \[long\].*number_format_exception/,
    event: { message: 'two' },
    id: 'dev1-ino1-fp1:4',
  });
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'search' }), 2);
});

t.test('request-level errors: 429 with Retry-After retried; 400 dead-lettered', async (t) => {
  const { server, ctx, sink } = await setup(t);
  server.script.push({
    status: 429,
    headers: { 'retry-after': '5' },
    body: JSON.stringify({
      error: {
        root_cause: [{ type: 'es_rejected_execution_exception', reason: 'rejected execution' }],
        type: 'es_rejected_execution_exception',
        reason: 'rejected execution',
      },
      status: 429,
    }),
  });
  const b = makeBatch(['a']);
  await sink.write(b);
  await until(() => b.acked, 'delivered after the 429', 15_000);
  const gap = (server.bulks[1]?.at ?? 0) - (server.bulks[0]?.at ?? 0);
  t.ok(gap >= 5000, `nothing re-sent before Retry-After: 5 (${gap} ms)`);
  t.equal(server.bulks.length, 2);
  server.script.push({ status: 400, body: JSON.stringify({ error: { type: 'illegal_argument_exception', reason: 'bad' }, status: 400 }) });
  const c = makeBatch(['b'], { offset: 100 });
  await sink.write(c);
  await until(() => c.acked, 'dead-lettered');
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'search' }), 1);
});

t.test('decideBulk: unparsable or mismatched responses are retried (create makes that safe)', async (t) => {
  t.match(decideBulk({ status: 200, headers: {}, body: '{"errors":tr' }, 1, 'create'), { kind: Delivery.RETRY });
  t.match(decideBulk({ status: 200, headers: {}, body: '{"errors":true,"items":[]}' }, 2, 'create'), { kind: Delivery.RETRY });
  t.match(decideBulk({ status: 200, headers: {}, body: '{"errors":false,"items":[]}' }, 0, 'create'), { kind: Delivery.OK });
  // errors:false ahead of the items is read without parsing them (Elasticsearch puts took first).
  t.match(decideBulk({ status: 200, headers: {}, body: '{"took":3,"ingest_took":0,"errors":false,"items":[{"create":' }, 1000, 'create'), {
    kind: Delivery.OK,
  });
  t.match(decideBulk({ status: 200, headers: {}, body: '{"took":3,"x":{"errors":false},"errors":true,"items":[]}' }, 1, 'create'), {
    kind: Delivery.RETRY,
  });
  const conflict = '{"errors":true,"items":[{"index":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"x"}}}]}';
  t.match(
    decideBulk({ status: 200, headers: {}, body: conflict }, 1, 'index'),
    { kind: 'partial', rejected: [{ index: 0, status: 409 }] },
    '409 is only "done" for create',
  );
});

t.test('the test server refuses what Elasticsearch refuses', async (t) => {
  const server = await new ElasticsearchTestServer().listen();
  t.teardown(() => server.close());
  const noNewline = await fetch(`${server.url}/_bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: '{"create":{"_index":"a","_id":"1"}}\n{"x":1}',
  });
  t.equal(noNewline.status, 400);
  t.match(await noNewline.json(), { error: { type: 'illegal_argument_exception', reason: /terminated by a newline/ } });
  const wrongType = await fetch(`${server.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '\n' });
  t.equal(wrongType.status, 406);
});

t.test('TLS: unknown CA refused with a clear error; with the CA it works', async (t) => {
  const ctx0 = await makeContext();
  t.teardown(() => ctx0.cleanup());
  const pki = await makePki(join(ctx0.dir, 'es'));
  const server = new ElasticsearchTestServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) });
  await server.listen();
  {
    const { sink, ctx } = await setup(t, {}, server);
    await sink.start();
    t.notOk(sink.health().healthy);
    t.match(
      sink.health().reason,
      /^TLS verification failed for https:\/\/127\.0\.0\.1:\d+\/: certificate signed by an unknown CA \(\w+\); set tls\.ca_file/,
    );
    const b = makeBatch(['x']);
    await sink.write(b);
    await until(() => ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_SINK_TLS'), 'logged');
    t.notOk(b.acked);
    await sink.stop(AbortSignal.timeout(100));
  }
  const { sink } = await setup(t, { tls: { ca_file: pki.caCert } }, server);
  await sink.start();
  t.ok(sink.health().healthy);
  const b = makeBatch(['x']);
  await sink.write(b);
  await until(() => b.acked, 'delivered with the CA');
  t.equal(server.docs('logs-app').size, 1);
});
