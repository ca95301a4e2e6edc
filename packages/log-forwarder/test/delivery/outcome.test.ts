import t from 'tap';
import { backoffDelay, nextDelay } from '../../src/delivery/backoff.js';
import { classifyStatus, Delivery, outcomeForStatus, parseRetryAfter } from '../../src/delivery/outcome.js';

t.test('status classification: OK / RETRY / ERROR', async (t) => {
  for (const s of [200, 201, 204]) t.equal(classifyStatus(s), Delivery.OK, String(s));
  for (const s of [408, 429, 500, 502, 503, 504]) t.equal(classifyStatus(s), Delivery.RETRY, String(s));
  for (const s of [400, 404, 409, 413, 422]) t.equal(classifyStatus(s), Delivery.ERROR, String(s));
});

t.test('401/403 are retried (credentials concern every event) with the auth code', async (t) => {
  const o = outcomeForStatus(401, 'bad token');
  t.equal(o.kind, Delivery.RETRY);
  t.match(o, { code: 'OUTRIGGER_E_LF_SINK_AUTH' });
});

t.test('Retry-After: seconds, HTTP-date, garbage, clamp', async (t) => {
  t.equal(parseRetryAfter('5'), 5000);
  t.equal(parseRetryAfter(['7']), 7000);
  const now = Date.parse('2026-11-26T10:00:00Z');
  t.equal(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now), 30_000);
  t.equal(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now), 0, 'a date in the past means now');
  t.equal(parseRetryAfter('soon'), undefined);
  t.equal(parseRetryAfter(undefined), undefined);
  t.equal(parseRetryAfter('999999'), 600_000, 'clamped to 10 minutes');
  const o = outcomeForStatus(429, 'slow down', '5');
  t.match(o, { kind: Delivery.RETRY, retryAfterMs: 5000, status: 429 });
  t.match(outcomeForStatus(400, 'bad'), { kind: Delivery.ERROR, reason: 'HTTP 400: bad' });
});

t.test('backoff: capped exponential with full jitter', async (t) => {
  const opts = { initialMs: 100, maxMs: 1000 };
  t.equal(
    backoffDelay(0, opts, () => 0.999999),
    99,
  );
  t.equal(
    backoffDelay(3, opts, () => 0.999999),
    799,
  );
  t.equal(
    backoffDelay(10, opts, () => 0.999999),
    999,
    'capped',
  );
  t.equal(
    backoffDelay(50, opts, () => 0.5),
    500,
    'huge attempt numbers do not overflow',
  );
  t.equal(
    backoffDelay(5, opts, () => 0),
    0,
    'full jitter reaches zero',
  );
  t.equal(
    nextDelay(0, opts, 5000, () => 0.5),
    5000,
    'Retry-After wins over backoff, even above the cap',
  );
});
