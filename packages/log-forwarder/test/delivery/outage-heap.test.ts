/**
 * Defect 9 (issue 11): a long outage must not grow the heap. Every delivery attempt makes a
 * deadline signal tied to the driver's long-lived shutdown signal; signals made with
 * `AbortSignal.any` from a long-lived one pile up (Node's issue tracker). Thousands of failed
 * attempts — more than an hour-long outage makes at the default backoff — and the heap after a
 * full GC stays flat. The bound is on bytes, not on time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { type DeliveryConfig, DeliverySchema } from '../../src/delivery/config.js';
import { DeliveryDriver, type DeliveryService, type SendResult } from '../../src/delivery/driver.js';
import { Delivery } from '../../src/delivery/outcome.js';
import { makeBatch, makeContext, until } from './fixtures/batches.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

t.test('thousands of failed attempts: the heap after GC stays flat', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  let attempts = 0;
  const service: DeliveryService = {
    target: 'fake://down',
    splittable: true,
    async send(): Promise<SendResult> {
      attempts++;
      return { kind: Delivery.RETRY, reason: 'connect ECONNREFUSED' };
    },
    async healthcheck() {
      throw new Error('down');
    },
    async close() {},
  };
  const config = Value.Default(
    DeliverySchema,
    structuredClone({ retry: { initial_backoff_ms: 1, max_backoff_ms: 1 }, batch: { timeout_ms: 0 }, healthcheck: { enabled: false } }),
  ) as DeliveryConfig;
  const driver = new DeliveryDriver({ name: 'remote', type: 'fake', config, ctx, service, random: () => 0 });
  t.teardown(() => driver.stop(AbortSignal.timeout(1)));
  await driver.write(makeBatch(['held through the outage']));

  await until(() => attempts >= 2_000, 'warm-up attempts', 60_000, 50);
  // Two windows of 10,000 attempts: a leak grows the heap in both; what V8 compiles on the way
  // (more of it when the machine is busy and tiers up later) lands in one of them.
  const perWindow: number[] = [];
  for (let w = 0; w < 2; w++) {
    const before = heapAfterGc();
    const from = attempts;
    await until(() => attempts >= from + 10_000, '10,000 more attempts', 120_000, 50);
    const after = heapAfterGc();
    const perAttempt = (after - before) / (attempts - from);
    perWindow.push(perAttempt);
    t.comment(
      `heap ${(before / 1e6).toFixed(1)} MB → ${(after / 1e6).toFixed(1)} MB over ${attempts - from} attempts (${perAttempt.toFixed(1)} B/attempt)`,
    );
  }
  const least = Math.min(...perWindow);
  t.ok(least < 50, `no per-attempt growth (${least.toFixed(1)} bytes per attempt in the flatter window)`);
});
