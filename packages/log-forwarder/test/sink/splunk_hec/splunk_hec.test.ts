import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { splunkHecSink } from '../../../src/sink/splunk_hec/index.js';
import { makeBatch, makeContext, metricValue, sinkFrom, until } from '../../delivery/fixtures/batches.js';
import { send, TestHttpServer } from '../../servers/http-server.js';

t.test('HEC event endpoint: token header, concatenated events, 400 dead-lettered', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  writeFileSync(join(ctx.dir, 'hec-token'), 'abc-123\n');
  const bodies: string[] = [];
  const server = new TestHttpServer((req, body, res) => {
    if (req.headers.authorization !== 'Splunk abc-123') return send(res, 401, { text: 'Token is required', code: 2 });
    if (req.url === '/services/collector/health') return send(res, 200, { text: 'HEC is healthy', code: 17 });
    if (req.url !== '/services/collector/event')
      return send(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    const text = body.toString();
    bodies.push(text);
    if (text.includes('"poison"')) return send(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 });
    send(res, 200, { text: 'Success', code: 0 });
  });
  await server.listen();
  t.teardown(() => server.close());
  const sink = sinkFrom(
    splunkHecSink,
    'splunk',
    {
      type: 'splunk_hec',
      inputs: ['app'],
      endpoint: server.url,
      token_file: 'hec-token',
      index: 'main',
      sourcetype: '_json',
      batch: { timeout_ms: 0 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy);
  const b = makeBatch(['one', 'two']);
  await sink.write(b);
  await until(() => b.acked, 'delivered');
  const events = (bodies[0] ?? '')
    .replaceAll('}{"time"', '}\n{"time"')
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(events, [
    { time: 1795687200.123, source: '/var/log/app/app.log', sourcetype: '_json', index: 'main', event: { message: 'one' } },
    { event: { message: 'two' } },
  ]);
  const p = makeBatch(['poison'], { offset: 50 });
  await sink.write(p);
  await until(() => p.acked, 'dead-lettered');
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'splunk' }), 1);
});
