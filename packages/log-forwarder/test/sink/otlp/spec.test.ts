/**
 * Defect 10 (issue 11): the otlp sink held against the OpenTelemetry specification, with a
 * receiver that decodes strictly (test/servers/otlp-strict.ts) and rejects a whole request on one
 * bad value, as a collector does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { otlpSink } from '../../../src/sink/otlp/index.js';
import { makeBatch, makeContext, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { type ScriptedResponse, send, TestHttpServer } from '../../servers/http-server.js';
import { type DecodedLogRecord, decodeExportLogsRequest } from '../../servers/otlp-strict.js';
import { parserFor } from './support.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const records: DecodedLogRecord[] = [];
  const rejected: string[] = [];
  const script: ScriptedResponse[] = [];
  let attempts = 0;
  const server = new TestHttpServer((req, body, res) => {
    if (req.url !== '/v1/logs') return send(res, 404);
    attempts++;
    const next = script.shift();
    if (next) return send(res, next.status, next.body ?? '', next.headers);
    try {
      records.push(...decodeExportLogsRequest(body.toString()));
    } catch (err) {
      rejected.push((err as Error).message);
      return send(res, 400, JSON.stringify({ code: 3, message: (err as Error).message }));
    }
    send(res, 200, {});
  });
  await server.listen();
  t.teardown(() => server.close());
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const sink = sinkFrom(
    otlpSink,
    'otel',
    {
      type: 'otlp',
      inputs: ['app'],
      endpoint: server.url,
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 5, max_backoff_ms: 20 },
      healthcheck: { enabled: false },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  return { sink, ctx, records, rejected, script, attempts: () => attempts };
}

t.test('integers outside int64 and 1e21 are doubleValue; the batch is accepted whole', async (t) => {
  const { sink, records, rejected } = await setup(t);
  // As the json parser gives them: JSON.parse('18446744073709551615') is 18446744073709552000.
  const event = parserFor('{"message":"m","big":18446744073709551615,"huge":1e21,"n":-42,"max":9007199254740991}');
  const b = makeBatch([event, { message: 'a good neighbour' }]);
  await sink.write(b);
  await until(() => b.acked, 'delivered');
  t.same(rejected, [], 'the receiver rejected nothing');
  t.equal(records.length, 2, 'both records arrived');
  const attrs = records[0]?.attributes ?? {};
  t.same(attrs.big, { double: Number('18446744073709551615') });
  t.same(attrs.huge, { double: 1e21 });
  t.equal(attrs.n, -42n, 'a safe integer stays an intValue');
  t.equal(attrs.max, 9007199254740991n);
});

t.test('JSON null is an empty AnyValue, not "null"', async (t) => {
  const { sink, records } = await setup(t);
  const b = makeBatch([parserFor('{"message":"m","user":null,"tags":[null,"x"],"ctx":{"id":null}}')]);
  await sink.write(b);
  await until(() => b.acked, 'delivered');
  const attrs = records[0]?.attributes ?? {};
  t.ok('user' in attrs && attrs.user === undefined, 'empty AnyValue');
  t.same(attrs.tags, [undefined, 'x']);
  t.same(attrs.ctx, { id: undefined });
});

t.test('severityText is the original text from the source; severityNumber its mapping', async (t) => {
  const { sink, records } = await setup(t);
  const b = makeBatch([
    { message: 'a', level: 'warning' },
    { message: 'b', level: 'Error' },
    { message: 'c', level: 'verbose' },
  ]);
  await sink.write(b);
  await until(() => b.acked, 'delivered');
  t.same(
    records.map((r) => [r.severityText, r.severityNumber]),
    [
      ['warning', 13],
      ['Error', 17],
      ['verbose', undefined],
    ],
  );
  t.notOk('level' in (records[0]?.attributes ?? {}), 'not repeated as an attribute');
});

t.test('only 429, 502, 503, 504 are retried; a 500 is dead-lettered at once', async (t) => {
  const { sink, ctx, script, attempts } = await setup(t);
  for (const status of [429, 502, 503, 504]) script.push({ status, body: 'try later' });
  const b = makeBatch(['retried']);
  await sink.write(b);
  await until(() => b.acked, 'delivered after four retryable failures', 5000);
  t.equal(attempts(), 5);
  script.push({ status: 500, body: 'internal' });
  const c = makeBatch(['not retried'], { offset: 100 });
  await sink.write(c);
  await until(() => c.acked, 'acknowledged once dead-lettered');
  t.equal(attempts(), 6, 'the 500 was not retried');
  const dead = readFileSync(join(ctx.stateDir, 'dead-letter', 'otel.jsonl'), 'utf8')
    .trim()
    .split('\n');
  t.equal(dead.length, 1);
  t.match(JSON.parse(dead[0] as string), { status: 500, event: { message: 'not retried' } });
});
