import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { otlpSink } from '../../../src/sink/otlp/index.js';
import { makeBatch, makeContext, metricValue, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { type ScriptedResponse, send, TestHttpServer } from '../../servers/http-server.js';

t.test('OTLP/HTTP JSON: resource attributes, severity, attributes; partial success dead-lettered, not retried', async (t) => {
  const bodies: unknown[] = [];
  const script: ScriptedResponse[] = [];
  const server = new TestHttpServer((req, body, res) => {
    if (req.url !== '/v1/logs') return send(res, 404);
    const parsed = JSON.parse(body.toString()) as { resourceLogs: unknown[] };
    if (parsed.resourceLogs.length > 0) bodies.push(parsed);
    const next = script.shift();
    if (next) return send(res, next.status, next.body ?? '', next.headers);
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
      resource_attributes: { 'service.name': 'checkout', 'k8s.pod.name': 'pod-1' },
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 5 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy, 'an empty export answers 200');
  const b = makeBatch([{ message: 'hello', level: 'warn', user: { id: 7 }, ratio: 0.5, ok: true }]);
  await sink.write(b);
  await until(() => b.acked, 'delivered');
  t.match(bodies[0], {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'k8s.pod.name', value: { stringValue: 'pod-1' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'outrigger-log-forwarder' },
            logRecords: [
              {
                timeUnixNano: '1795687200123000000',
                severityNumber: 13,
                severityText: 'warn',
                body: { stringValue: 'hello' },
                attributes: [
                  { key: 'file', value: { stringValue: '/var/log/app/app.log' } },
                  { key: 'user', value: { kvlistValue: { values: [{ key: 'id', value: { intValue: '7' } }] } } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'ok', value: { boolValue: true } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });

  script.push({ status: 200, body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '1', errorMessage: 'record too large' } }) });
  const c = makeBatch(['x', 'y'], { offset: 100 });
  await sink.write(c);
  await until(() => c.acked, 'acknowledged');
  t.equal(bodies.length, 2, 'a partial success is not retried');
  const dead = readFileSync(join(ctx.stateDir, 'dead-letter', 'otel.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(dead.length, 2);
  t.match(dead[0].reason, /OTLP partial success: 1 of 2 log records rejected .*record too large/);

  script.push({ status: 503, headers: { 'retry-after': '1' }, body: 'unavailable' });
  const d = makeBatch(['z'], { offset: 200 });
  await sink.write(d);
  await until(() => d.acked, 'delivered after the 503', 5000);
  t.equal(await metricValue(ctx, 'sink_retries_total', { sink: 'otel' }), 1);
});
