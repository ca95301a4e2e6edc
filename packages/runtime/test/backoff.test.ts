import t from 'tap';
import { backoffDelay, delay } from '../src/backoff.js';

t.test('full jitter below a doubling, capped ceiling', async (t) => {
  const opts = { baseMs: 100, maxMs: 5000 };
  const top = () => 0.999999;
  t.equal(backoffDelay(0, opts, top), 99, 'first wait below base');
  t.equal(backoffDelay(3, opts, top), 799, 'base · 2^3');
  t.equal(backoffDelay(10, opts, top), 4999, 'capped');
  t.equal(
    backoffDelay(5000, opts, () => 0.5),
    2500,
    'a huge attempt count neither overflows nor exceeds the cap',
  );
  t.equal(
    backoffDelay(5, opts, () => 0),
    0,
    'full jitter reaches 0',
  );
  t.equal(backoffDelay(-1, opts, top), 99, 'a negative attempt counts as the first');
  const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, opts)));
  t.ok(seen.size > 10, 'Math.random by default: the waits spread');
});

t.test('delay resolves, or rejects with the abort reason', async (t) => {
  await delay(1);
  const controller = new AbortController();
  const pending = delay(60_000, controller.signal);
  controller.abort(new Error('stopping'));
  await t.rejects(pending, /stopping/);
  await t.rejects(delay(1, AbortSignal.abort(new Error('already'))), /already/);
});
