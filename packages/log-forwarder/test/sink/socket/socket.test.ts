import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import t from 'tap';
import { socketSink } from '../../../src/sink/socket/index.js';
import { makeBatch, makeBatches, makeContext, sinkFrom, type TestBatch, until } from '../../delivery/fixtures/batches.js';
import { LineReceiver } from '../../servers/line-receiver.js';

t.test('tcp, raw: the lines exactly as read, in order', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const receiver = await new LineReceiver().listen();
  t.teardown(() => receiver.close());
  const sink = sinkFrom(
    socketSink,
    'out',
    { type: 'socket', inputs: ['app'], address: `127.0.0.1:${receiver.port}`, batch: { timeout_ms: 1 } },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy);
  const batches = makeBatches(5000, 250);
  for (const b of batches) await sink.write(b);
  await until(() => batches.every((b) => b.acked) && receiver.count === 5000, 'all lines received');
  t.same(receiver.lines.slice(0, 3), ['line-0', 'line-1', 'line-2']);
  t.equal(receiver.lines[4999], 'line-4999');
  t.equal(receiver.connections, 1, 'one connection reused');
});

t.test('tcp, json: one JSON object per event', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const receiver = await new LineReceiver().listen();
  t.teardown(() => receiver.close());
  const sink = sinkFrom(
    socketSink,
    'out',
    { type: 'socket', inputs: ['app'], address: `127.0.0.1:${receiver.port}`, encoding: 'json', batch: { timeout_ms: 0 } },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const b = makeBatch([{ message: 'multi\nline', level: 'warn' }]);
  await sink.write(b);
  await until(() => receiver.count === 1, 'received');
  t.match(JSON.parse(receiver.lines[0] ?? '{}'), { message: 'multi\nline', level: 'warn' });
});

t.test('unix socket', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const path = join(ctx.dir, 'in.sock');
  const receiver = await new LineReceiver().listen(path);
  t.teardown(() => receiver.close());
  const sink = sinkFrom(
    socketSink,
    'out',
    { type: 'socket', inputs: ['app'], protocol: 'unix', address: path, batch: { timeout_ms: 0 } },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const b = makeBatch(['via unix']);
  await sink.write(b);
  await until(() => receiver.count === 1, 'received');
  t.same(receiver.lines, ['via unix']);
});

t.test('udp: one datagram per line', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const udp = createSocket('udp4');
  const got: string[] = [];
  udp.on('message', (m) => got.push(m.toString()));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  t.teardown(() => udp.close());
  const sink = sinkFrom(
    socketSink,
    'out',
    { type: 'socket', inputs: ['app'], protocol: 'udp', address: `127.0.0.1:${udp.address().port}`, batch: { timeout_ms: 0 } },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.write(makeBatch(['d1', 'd2', 'd3']));
  await until(() => got.length === 3, 'datagrams');
  t.same(got.sort(), ['d1', 'd2', 'd3']);
});

t.test('receiver down then up: retried until delivered; write() pauses at the in-flight cap', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const receiver = await new LineReceiver().listen();
  const port = receiver.port;
  await receiver.close();
  const sink = sinkFrom(
    socketSink,
    'out',
    {
      type: 'socket',
      inputs: ['app'],
      address: `127.0.0.1:${port}`,
      max_in_flight_bytes: 4096,
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 10, max_backoff_ms: 50 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.notOk(sink.health().healthy, 'healthcheck fails while down');
  t.match(sink.health().reason, /connection refused \(ECONNREFUSED\)/);
  const batches: TestBatch[] = makeBatches(2000, 100);
  let written = 0;
  const writer = (async () => {
    for (const b of batches) {
      await sink.write(b);
      written++;
    }
  })();
  await until(() => (sink.status() as { reading_paused: boolean }).reading_paused, 'paused at the cap');
  const pausedAt = written;
  t.ok(pausedAt < batches.length, `writing paused after ${pausedAt} batches`);
  const again = await new LineReceiver().listen(port);
  t.teardown(() => again.close());
  await writer;
  await until(() => batches.every((b) => b.acked) && again.count === 2000, 'everything delivered after recovery', 10_000);
  t.equal(again.lines[0], 'line-0');
  t.equal(again.lines[1999], 'line-1999');
});

t.test('rules: address must be host:port unless unix', async (t) => {
  t.same(
    socketSink.rules({ protocol: 'tcp', address: '/tmp/x.sock' } as never).map((i) => i.path),
    ['address'],
  );
  t.same(socketSink.rules({ protocol: 'unix', address: '/tmp/x.sock' } as never), []);
  t.same(
    socketSink.rules({ protocol: 'udp', address: '127.0.0.1:9', tls: {} } as never).map((i) => i.path),
    ['tls'],
  );
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  t.throws(
    () => sinkFrom(socketSink, 'bad', { type: 'socket', inputs: ['a'], address: 'nope' }, ctx),
    /sinks\.bad\.address: must be host:port/,
  );
});
