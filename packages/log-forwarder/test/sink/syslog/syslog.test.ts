import { join } from 'node:path';
import { makePki } from '@outrigger/runtime/testing';
import { Value } from '@sinclair/typebox/value';
import t, { type Test } from 'tap';
import { type SyslogSinkConfig, SyslogSinkSchema } from '../../../src/sink/syslog/config.js';
import { facilityOf, SyslogEncoder, severityOf } from '../../../src/sink/syslog/encoder.js';
import { syslogSink } from '../../../src/sink/syslog/index.js';
import { makeBatch, makeContext, sinkFrom, type TestBatch, until } from '../../delivery/fixtures/batches.js';
import { Rsyslog } from '../../servers/rsyslog.js';

function encoderConfig(extra: Record<string, unknown> = {}): SyslogSinkConfig {
  return Value.Default(SyslogSinkSchema, {
    type: 'syslog',
    inputs: ['a'],
    address: '127.0.0.1:514',
    hostname: 'pod-1',
    ...extra,
  }) as SyslogSinkConfig;
}

t.test('RFC 5424 encoding: PRI from fields, header fields sanitised, octet-counting frames', async (t) => {
  const encoder = new SyslogEncoder(encoderConfig({ facility: 'local3', app_name: '{{ app }}', msg_id: 'm 1' }));
  const event = { message: 'boom\n  at x', timestamp: '2026-11-26T10:00:00.5+01:00', file: '/f', level: 'error', app: 'check out' };
  const msg = encoder.message(event).toString();
  t.equal(msg, '<155>1 2026-11-26T09:00:00.500Z pod-1 check_out - m_1 - boom\n  at x');
  const frames = encoder.frames([event, { message: 'ü', timestamp: 'bad', file: '/f' }]).toString();
  const first = `${Buffer.byteLength(msg)} ${msg}`;
  t.ok(frames.startsWith(first), 'octet count is the byte length of the message');
  const second = frames.slice(first.length);
  t.match(second, /^\d+ <158>1 \S+ pod-1 - - m_1 - ü$/, 'a missing template field renders as -');
  t.equal(Number(second.split(' ')[0]), Buffer.byteLength(second.slice(second.indexOf(' ') + 1)));
  t.equal(severityOf('WARN', 6), 4);
  t.equal(severityOf(3, 6), 3);
  t.equal(severityOf('nonsense', 6), 6);
  t.equal(facilityOf('local7', 1), 23);
  t.equal(facilityOf('99', 1), 1);
  const long = new SyslogEncoder(encoderConfig({ max_message_bytes: 480 })).message({ message: 'é'.repeat(400), timestamp: '', file: '' });
  t.ok(long.length <= 480, 'cut to max_message_bytes');
  t.ok(long.toString().endsWith('…'), 'the cut is marked and lands on a character boundary');
});

async function deliverThroughRsyslog(t: Test, protocol: 'tcp' | 'tls', lines: number) {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const pki = protocol === 'tls' ? await makePki(join(ctx.dir, 'pki')) : undefined;
  const rsyslog = new Rsyslog({
    dir: ctx.dir,
    ...(pki ? { tls: { caFile: pki.caCert, certFile: pki.serverCert, keyFile: pki.serverKey } } : {}),
  });
  await rsyslog.start();
  t.teardown(() => rsyslog.stop());
  const sink = sinkFrom(
    syslogSink,
    'archive',
    {
      type: 'syslog',
      inputs: ['app'],
      address: `127.0.0.1:${rsyslog.port}`,
      protocol,
      app_name: 'checkout',
      hostname: 'pod-1',
      batch: { max_events: 100, timeout_ms: 5 },
      ...(pki ? { tls: { ca_file: pki.caCert, servername: 'localhost' } } : {}),
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  await sink.start();
  t.ok(sink.health().healthy, `healthcheck passed (${protocol})`);
  const trace =
    'Exception in thread "main" java.lang.IllegalStateException: boom\n\tat com.example.App.run(App.java:42)\n\tat com.example.App.main(App.java:7)';
  const expected: string[] = [];
  const batches: TestBatch[] = [];
  for (let i = 0; i < lines; i += 50) {
    const chunk: string[] = [];
    for (let j = i; j < Math.min(lines, i + 50); j++) chunk.push(j % 97 === 0 ? `${j} ${trace}` : `${j} line with ünïcode and "quotes"`);
    expected.push(...chunk);
    const batch = makeBatch(chunk, { offset: i * 100 });
    batches.push(batch);
    await sink.write(batch);
  }
  await until(() => batches.every((b) => b.acked), 'all acknowledged', 20_000);
  await until(() => rsyslog.messages().length >= lines, `rsyslog stored ${lines} messages`, 20_000);
  await sink.stop(AbortSignal.timeout(2000));
  const stored = rsyslog.messages();
  t.equal(stored.length, lines, `exactly ${lines} messages stored`);
  t.same(
    stored.map((m) => m.msg),
    expected,
    'every message intact and in order, multiline events as one message',
  );
  t.ok(stored.filter((m) => m.msg.includes('\n\tat com.example')).length >= 1, 'a multiline trace stayed one message');
  t.match(stored[0], { app: 'checkout', host: 'pod-1', facility: '1', severity: '6' });
}

t.test('real rsyslog over TCP with octet counting: N lines in, exactly N messages stored', async (t) => {
  await deliverThroughRsyslog(t, 'tcp', 1000);
});

t.test('real rsyslog over TLS: N lines in, exactly N messages stored', async (t) => {
  await deliverThroughRsyslog(t, 'tls', 500);
});

t.test('rsyslog restarted: the sink re-dials, retries, and nothing written after the restart is lost', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const rsyslog = new Rsyslog({ dir: ctx.dir });
  await rsyslog.start();
  t.teardown(() => rsyslog.stop());
  const sink = sinkFrom(
    syslogSink,
    'archive',
    {
      type: 'syslog',
      inputs: ['app'],
      address: `127.0.0.1:${rsyslog.port}`,
      batch: { timeout_ms: 0 },
      retry: { initial_backoff_ms: 20, max_backoff_ms: 100 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const a = makeBatch(['before-1', 'before-2']);
  await sink.write(a);
  await until(() => a.acked && rsyslog.messages().length === 2, 'first messages stored');
  await rsyslog.stop();
  await until(() => (sink.status() as { connected: boolean }).connected === false, 'the closed connection noticed');
  const b = makeBatch(['after-1'], { offset: 100 });
  await sink.write(b);
  await until(() => !sink.health().healthy, 'unhealthy while rsyslog is down');
  t.match(sink.health().reason, /connection refused \(ECONNREFUSED\) to tcp:\/\/127\.0\.0\.1:\d+/);
  t.notOk(b.acked, 'not acknowledged while down');
  await rsyslog.start(rsyslog.port);
  await until(() => b.acked, 'delivered after rsyslog is back', 10_000);
  await until(() => rsyslog.messages().length === 3, 'stored');
  t.same(
    rsyslog.messages().map((m) => m.msg),
    ['before-1', 'before-2', 'after-1'],
  );
});

t.test('real rsyslog over UDP: one datagram per message', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const rsyslog = new Rsyslog({ dir: ctx.dir, udp: true });
  await rsyslog.start();
  t.teardown(() => rsyslog.stop());
  const sink = sinkFrom(
    syslogSink,
    'archive',
    {
      type: 'syslog',
      inputs: ['app'],
      address: `127.0.0.1:${rsyslog.port}`,
      protocol: 'udp',
      severity_field: 'lvl',
      batch: { timeout_ms: 0 },
    },
    ctx,
  );
  t.teardown(() => sink.stop(AbortSignal.timeout(1000)));
  const b = makeBatch(Array.from({ length: 50 }, (_, i) => ({ message: `udp-${i}`, lvl: i % 2 ? 'debug' : 'err' })));
  await sink.write(b);
  await until(() => b.acked, 'sent');
  await until(() => rsyslog.messages().length === 50, '50 datagrams stored');
  const stored = rsyslog.messages();
  t.same(new Set(stored.map((m) => m.msg)).size, 50);
  t.same(stored.find((m) => m.msg === 'udp-1')?.severity, '7');
  t.same(stored.find((m) => m.msg === 'udp-2')?.severity, '3');
});
