import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import t, { type Test } from 'tap';
import { type DeliveryConfig, DeliverySchema } from '../../src/delivery/config.js';
import { DeliveryDriver } from '../../src/delivery/driver.js';
import { Delivery } from '../../src/delivery/outcome.js';
import { makeBatch, makeBatches, makeContext, metricValue, type TestBatch, until } from './fixtures/batches.js';
import { deferred, FakeService } from './fixtures/fake-service.js';

function config(partial: Record<string, unknown> = {}): DeliveryConfig {
  return Value.Default(DeliverySchema, structuredClone(partial)) as DeliveryConfig;
}

async function setup(t: Test, partial: Record<string, unknown> = {}) {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const service = new FakeService();
  const driver = new DeliveryDriver({ name: 'remote', type: 'fake', config: config(partial), ctx, service, random: () => 0.5 });
  t.teardown(() => driver.stop(AbortSignal.timeout(1)));
  return { ctx, service, driver };
}

t.test('groups batches into requests bounded by events', async (t) => {
  const { service, driver } = await setup(t, { batch: { max_events: 10, timeout_ms: 60_000 } });
  const batches = makeBatches(25, 5);
  for (const b of batches) await driver.write(b);
  await until(() => service.attempts.length === 2, 'two full requests');
  t.same(
    service.attempts.map((a) => a.messages.length),
    [10, 10],
  );
  t.notOk(batches[4]?.acked, 'the half-full request waits for more or for its age');
  await driver.stop(AbortSignal.timeout(5000));
  t.same(
    service.messages(),
    Array.from({ length: 25 }, (_, i) => `line-${i}`),
    'stop flushes the rest, in order',
  );
  t.ok(batches.every((b) => b.acked));
});

t.test('requests bounded by bytes; a batch larger than a request is split', async (t) => {
  const { service, driver } = await setup(t, { batch: { max_events: 1000, max_bytes: 1024, timeout_ms: 60_000 } });
  const big = makeBatch(Array.from({ length: 100 }, (_, i) => `${'x'.repeat(40)}-${i}`));
  t.ok(big.bytes > 4000);
  await driver.write(big);
  await until(() => service.attempts.length >= 4, 'split requests');
  for (const a of service.attempts) t.ok(a.messages.length * 45 <= 1100, 'each request about max_bytes or less');
  await driver.stop(AbortSignal.timeout(5000));
  t.equal(service.messages().length, 100);
  t.ok(big.acked, 'acknowledged once every slice is delivered');
});

t.test('requests bounded by age', async (t) => {
  const { service, driver } = await setup(t, { batch: { max_events: 1000, timeout_ms: 50 } });
  const b = makeBatch(['one']);
  const written = Date.now();
  await driver.write(b);
  t.equal(service.attempts.length, 0, 'not sent at once');
  await until(() => b.acked, 'acknowledged after the age bound');
  t.ok((service.attempts[0]?.at ?? 0) - written >= 40, 'sent after about timeout_ms');
});

t.test('concurrency with in-order acknowledgement', async (t) => {
  const { service, driver } = await setup(t, { concurrency: 3, batch: { max_events: 1, timeout_ms: 0 } });
  const gates = [deferred(), deferred(), deferred()];
  let n = 0;
  service.respond = async () => {
    await (gates[n++] as ReturnType<typeof deferred>).promise;
    return { kind: Delivery.OK };
  };
  const order: number[] = [];
  const batches = [0, 1, 2].map((i) => makeBatch([`m${i}`], { onAck: () => order.push(i) }));
  for (const b of batches) await driver.write(b);
  await until(() => service.attempts.length === 3, 'three requests in flight at once');
  gates[2]?.resolve();
  gates[1]?.resolve();
  await until(() => service.attempts.length === 3 && driver.status() !== undefined, 'settle');
  await new Promise((r) => setImmediate(r));
  t.same(order, [], 'later requests done, nothing acknowledged before the first');
  gates[0]?.resolve();
  await until(() => order.length === 3, 'all acknowledged');
  t.same(order, [0, 1, 2]);
});

t.test('write() stays pending at the in-flight cap; reading-paused metric shows it', async (t) => {
  const { ctx, service, driver } = await setup(t, { max_in_flight_bytes: 2048, batch: { max_events: 1000, timeout_ms: 60_000 } });
  const gate = deferred();
  service.respond = async () => {
    await gate.promise;
    return { kind: Delivery.OK };
  };
  const first = makeBatch(Array.from({ length: 50 }, (_, i) => `${'y'.repeat(40)}${i}`));
  let resolved = false;
  const pending = driver.write(first).then(() => (resolved = true));
  await until(() => service.attempts.length === 1, 'the open request is sent at once when the cap is reached');
  t.notOk(resolved, 'write() pending while the cap is reached');
  t.equal(await metricValue(ctx, 'sink_reading_paused', { sink: 'remote' }), 1);
  t.equal(await metricValue(ctx, 'sink_in_flight_bytes', { sink: 'remote' }), first.bytes);
  t.match(driver.status(), { reading_paused: true, in_flight_events: 50 });
  gate.resolve();
  await pending;
  t.ok(first.acked);
  t.equal(await metricValue(ctx, 'sink_reading_paused', { sink: 'remote' }), 0);
  t.equal(await metricValue(ctx, 'sink_in_flight_bytes', { sink: 'remote' }), 0);
});

t.test('retries with backoff until delivered; health reflects the failure', async (t) => {
  const { ctx, service, driver } = await setup(t, { retry: { initial_backoff_ms: 20, max_backoff_ms: 40 }, batch: { timeout_ms: 0 } });
  let failures = 3;
  service.respond = () =>
    failures-- > 0 ? { kind: Delivery.RETRY, reason: 'connection refused (ECONNREFUSED) to fake' } : { kind: Delivery.OK };
  const b = makeBatch(['a', 'b']);
  await driver.write(b);
  await until(() => !driver.health().healthy, 'unhealthy while failing');
  t.match(driver.health().reason, /ECONNREFUSED/);
  await until(() => b.acked, 'delivered after retries');
  t.equal(service.attempts.length, 4);
  t.ok(driver.health().healthy, 'healthy again');
  t.equal(await metricValue(ctx, 'sink_retries_total', { sink: 'remote' }), 3);
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'remote' }), 2);
  t.ok(
    ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_SINK_UNAVAILABLE'),
    'the failure is logged with its code',
  );
  t.equal(ctx.logs.filter((l) => l.msg === 'delivery failed; retrying').length, 1, 'one warning per failure streak, not per attempt');
});

t.test('Retry-After is honoured over the backoff', async (t) => {
  const { service, driver } = await setup(t, { retry: { initial_backoff_ms: 1, max_backoff_ms: 1 }, batch: { timeout_ms: 0 } });
  let first = true;
  service.respond = () => {
    if (!first) return { kind: Delivery.OK };
    first = false;
    return { kind: Delivery.RETRY, reason: 'HTTP 429', retryAfterMs: 300 };
  };
  const b = makeBatch(['a']);
  await driver.write(b);
  await until(() => b.acked, 'delivered');
  const [a0, a1] = service.attempts;
  t.ok((a1?.at ?? 0) - (a0?.at ?? 0) >= 300, 'not re-sent before Retry-After');
});

t.test('a rejection (ERROR) goes to the dead-letter file with its error, never retried', async (t) => {
  const { ctx, service, driver } = await setup(t, { batch: { timeout_ms: 0 } });
  service.respond = () => ({ kind: Delivery.ERROR, reason: 'HTTP 400: bad request', status: 400 });
  const b = makeBatch(['bad-1', 'bad-2']);
  await driver.write(b);
  await until(() => b.acked, 'acknowledged once dead-lettered');
  t.equal(service.attempts.length, 1, 'not retried');
  const lines = readFileSync(join(ctx.stateDir, 'dead-letter', 'remote.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 2);
  t.match(lines[0], { sink: 'remote', reason: 'HTTP 400: bad request', status: 400, id: 'dev1-ino1-fp1:0', event: { message: 'bad-1' } });
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'remote' }), 2);
  t.ok(ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_SINK_REJECTED'));
});

t.test('per-item results: only retry items are re-sent, rejected items dead-lettered', async (t) => {
  const { ctx, service, driver } = await setup(t, { retry: { initial_backoff_ms: 5 }, batch: { timeout_ms: 0 } });
  service.respond = (request) => {
    if (request.count === 5) {
      return { kind: 'partial', retry: [1, 3], retryReason: 'item 429', rejected: [{ index: 4, reason: 'mapping', status: 400 }] };
    }
    return { kind: Delivery.OK };
  };
  const b = makeBatch(['a', 'b', 'c', 'd', 'e']);
  await driver.write(b);
  await until(() => b.acked, 'acknowledged');
  t.same(
    service.attempts.map((a) => a.messages),
    [
      ['a', 'b', 'c', 'd', 'e'],
      ['b', 'd'],
    ],
  );
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'remote' }), 4);
  t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'remote' }), 1);
});

t.test('max_attempts with on_exhausted: drop counts the drop; dead_letter writes the file', async (t) => {
  for (const policy of ['drop', 'dead_letter'] as const) {
    const { ctx, service, driver } = await setup(t, {
      retry: { max_attempts: 2, on_exhausted: policy, initial_backoff_ms: 1 },
      batch: { timeout_ms: 0 },
    });
    service.respond = () => ({ kind: Delivery.RETRY, reason: 'HTTP 503' });
    const b = makeBatch(['x', 'y', 'z']);
    await driver.write(b);
    await until(() => b.acked, `acknowledged under ${policy}`);
    t.equal(service.attempts.length, 2);
    if (policy === 'drop') {
      t.equal(await metricValue(ctx, 'sink_dropped_events_total', { sink: 'remote', reason: 'retries_exhausted' }), 3);
      t.ok(ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_SINK_DROPPED'));
    } else {
      t.equal(await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'remote' }), 3);
      const text = readFileSync(join(ctx.stateDir, 'dead-letter', 'remote.jsonl'), 'utf8');
      t.match(text, /gave up after 2 attempts: HTTP 503/);
    }
  }
});

t.test('dead_letter.on_full: drop — over the cap the overflow is dropped, counted and logged', async (t) => {
  const { ctx, service, driver } = await setup(t, {
    dead_letter: { path: 'dlq.jsonl', max_bytes: 1024, on_full: 'drop' },
    batch: { timeout_ms: 0 },
  });
  service.respond = () => ({ kind: Delivery.ERROR, reason: 'HTTP 400' });
  const b = makeBatch(Array.from({ length: 20 }, (_, i) => `event-${i}-${'z'.repeat(60)}`));
  await driver.write(b);
  await until(() => b.acked, 'acknowledged');
  const size = readFileSync(join(ctx.dir, 'dlq.jsonl')).length;
  t.ok(size <= 1024, `file within the cap (${size})`);
  const written = await metricValue(ctx, 'sink_dead_lettered_events_total', { sink: 'remote' });
  const overflow = await metricValue(ctx, 'sink_dead_letter_overflow_events_total', { sink: 'remote' });
  t.ok(written > 0 && overflow > 0);
  t.equal(written + overflow, 20, 'every event is either written or counted');
  t.ok(
    ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_DEAD_LETTER_FULL' && l.events === overflow),
    'the loss is logged with its count',
  );
  t.match(driver.status(), { dead_letter_dropped_events: overflow, dead_letter_full: false });
});

t.test('a full dead-letter file (default on_full: block) stops acknowledging until it has room', async (t) => {
  const { ctx, service, driver } = await setup(t, {
    dead_letter: { path: 'dlq.jsonl', max_bytes: 1024 },
    batch: { timeout_ms: 0 },
    max_in_flight_bytes: 2048,
  });
  service.respond = (request) =>
    request.events().some((e) => e.message.startsWith('bad')) ? { kind: Delivery.ERROR, reason: 'HTTP 400' } : { kind: Delivery.OK };
  const rejected = makeBatch(Array.from({ length: 20 }, (_, i) => `bad-${i}-${'z'.repeat(60)}`));
  await driver.write(rejected);
  await until(() => (driver.status() as { dead_letter_full: boolean }).dead_letter_full, 'the file is full');
  t.equal(await metricValue(ctx, 'sink_dead_letter_full', { sink: 'remote' }), 1, 'the gauge says so');
  t.ok(
    ctx.logs.some((l) => l.code === 'OUTRIGGER_E_LF_DEAD_LETTER_FULL'),
    'and the log',
  );
  t.notOk(rejected.acked, 'the rejected batch is not acknowledged');
  // Later good batches are delivered but not acknowledged past it; at the cap, writes wait (reading pauses).
  const good = makeBatches(400, 10, { prefix: 'good' });
  let blocked = false;
  for (const b of good) {
    const w = driver.write(b);
    const settled = await Promise.race([w.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
    if (!settled) {
      blocked = true;
      break;
    }
  }
  t.ok(blocked, 'a write waits: the in-flight cap is reached');
  t.match(driver.status(), { reading_paused: true, dead_letter_full: true });
  t.notOk(good[0]?.acked, 'nothing after the held batch is acknowledged');
  t.equal(await metricValue(ctx, 'sink_dead_letter_overflow_events_total', { sink: 'remote' }), 0, 'nothing dropped');

  // The operator moves the full file away (as often as it fills): the held events are written,
  // everything is acknowledged.
  let moved = 0;
  await until(
    () => {
      const file = join(ctx.dir, 'dlq.jsonl');
      if (existsSync(file) && statSync(file).size > 0 && !rejected.acked) renameSync(file, join(ctx.dir, `dlq.jsonl.${++moved}`));
      return rejected.acked && (good[0]?.acked ?? false);
    },
    'acknowledged once the file has room',
    20_000,
    100,
  );
  let lines = 0;
  for (const name of readdirSync(ctx.dir).filter((n) => n.startsWith('dlq.jsonl'))) {
    lines += readFileSync(join(ctx.dir, name), 'utf8').split('\n').filter(Boolean).length;
  }
  t.equal(lines, 20, `every rejected event is in a dead-letter file (moved ${moved} times)`);
  t.equal(await metricValue(ctx, 'sink_dead_letter_full', { sink: 'remote' }), 0);
});

t.test('stop with a deadline leaves undelivered batches unacknowledged', async (t) => {
  const { service, driver } = await setup(t, { retry: { initial_backoff_ms: 10, max_backoff_ms: 10 }, batch: { timeout_ms: 0 } });
  service.respond = () => ({ kind: Delivery.RETRY, reason: 'down' });
  const batches: TestBatch[] = [makeBatch(['a']), makeBatch(['b'])];
  for (const b of batches) await driver.write(b);
  await until(() => service.attempts.length >= 2, 'retrying');
  await driver.stop(AbortSignal.timeout(100));
  t.ok(
    batches.every((b) => !b.acked),
    'nothing acknowledged: it is re-read after a restart',
  );
  t.ok(service.closed);
  await t.rejects(driver.write(makeBatch(['c'])), /stopping/);
});

t.test('healthcheck at start; recheck while unhealthy and idle', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const service = new FakeService();
  service.healthy = 'connection refused (ECONNREFUSED) to fake://remote';
  const driver = new DeliveryDriver({ name: 'hc', type: 'fake', config: config({ healthcheck: { interval_ms: 100 } }), ctx, service });
  t.teardown(() => driver.stop(AbortSignal.timeout(1)));
  await driver.start();
  t.same(driver.health(), { healthy: false, reason: 'connection refused (ECONNREFUSED) to fake://remote' });
  t.equal(await metricValue(ctx, 'sink_healthy', { sink: 'hc' }), 0);
  service.healthy = true;
  await until(() => driver.health().healthy, 'healthy after the periodic recheck');
  t.equal(await metricValue(ctx, 'sink_healthy', { sink: 'hc' }), 1);
});

t.test('two drivers share one registry (metrics created once, labelled by sink)', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const a = new DeliveryDriver({ name: 'a', type: 'fake', config: config({ batch: { timeout_ms: 0 } }), ctx, service: new FakeService() });
  const b = new DeliveryDriver({ name: 'b', type: 'fake', config: config({ batch: { timeout_ms: 0 } }), ctx, service: new FakeService() });
  const ba = makeBatch(['1']);
  const bb = makeBatch(['1', '2']);
  await a.write(ba);
  await b.write(bb);
  await until(() => ba.acked && bb.acked, 'both delivered');
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'a' }), 1);
  t.equal(await metricValue(ctx, 'sink_sent_events_total', { sink: 'b' }), 2);
  await a.stop(AbortSignal.timeout(100));
  await b.stop(AbortSignal.timeout(100));
});

t.test('a request that outlives request_timeout_ms is aborted and retried', async (t) => {
  const { service, driver } = await setup(t, { request_timeout_ms: 50, retry: { initial_backoff_ms: 1 }, batch: { timeout_ms: 0 } });
  let first = true;
  service.respond = (_request, _attempt, signal) => {
    if (!first) return { kind: Delivery.OK };
    first = false;
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by signal'))));
  };
  const b = makeBatch(['slow']);
  await driver.write(b);
  await until(() => b.acked, 'delivered on the second attempt');
  t.equal(service.attempts.length, 2);
  t.match(driver.status(), { last_error: { reason: 'timed out after 50 ms' } });
});
