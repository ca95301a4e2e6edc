import t from 'tap';
import { type RetryContext, RetryPolicy } from '../../src/route/retry-policy.js';
import type { RetryConfig } from '../../src/schema.js';

const config: RetryConfig = {
  attempts: 2,
  on: ['connect_failure', 'reset', '503'],
  methods: ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'],
  backoff_base_ms: 25,
  backoff_max_ms: 250,
  max_retry_after_ms: 1000,
  budget_percent: 20,
  min_retry_concurrency: 3,
  buffer_bytes: 65536,
};
const ctx: RetryContext = {
  method: 'GET',
  idempotencyKey: false,
  tries: 1,
  bodyReplayable: true,
  reusedResetRetried: false,
  remainingMs: 10_000,
  budgetAllows: true,
};

t.test('retries what is configured, for idempotent methods, within attempts', async (t) => {
  const p = new RetryPolicy(config, () => 0.5);
  t.match(p.decide({ kind: 'connect_failure' }, ctx), { retry: true });
  t.match(p.decide({ kind: 'status', status: 503 }, ctx), { retry: true });
  t.match(p.decide({ kind: 'status', status: 500 }, ctx), { retry: false, reason: 'not_retriable' });
  t.match(p.decide({ kind: 'timeout' }, ctx), { retry: false, reason: 'not_retriable' });
  const with504 = new RetryPolicy({ ...config, on: ['504'] });
  t.match(with504.decide({ kind: 'timeout' }, ctx), { retry: true }, 'a per-try timeout counts like a 504');
  t.match(p.decide({ kind: 'status', status: 503 }, { ...ctx, method: 'POST' }), { retry: false, reason: 'method' });
  t.match(p.decide({ kind: 'connect_failure' }, { ...ctx, tries: 3 }), { retry: false, reason: 'attempts' });
  t.match(p.decide({ kind: 'connect_failure' }, { ...ctx, tries: 2 }), { retry: true });
  t.match(p.decide({ kind: 'status', status: 503 }, { ...ctx, budgetAllows: false }), { retry: false, reason: 'budget' });
  t.match(p.decide({ kind: 'reset', reusedConnection: false, written: true }, { ...ctx, budgetAllows: false }), {
    retry: false,
    reason: 'budget',
  });
  t.match(
    p.decide({ kind: 'connect_failure' }, { ...ctx, budgetAllows: false }),
    { retry: true, budgeted: false },
    'a connect failure never reached an upstream: its retry is outside the budget',
  );
  t.match(p.decide({ kind: 'status', status: 503 }, ctx), { retry: true, budgeted: true });
  t.match(p.decide({ kind: 'connect_failure' }, { ...ctx, bodyReplayable: false }), { retry: false, reason: 'body' });
  t.match(p.decide({ kind: 'connect_failure' }, { ...ctx, remainingMs: 5 }), { retry: false, reason: 'deadline' });
});

t.test('a reset before any byte was written is retried once for any method, without backoff or budget', async (t) => {
  const p = new RetryPolicy({ ...config, attempts: 0, on: [] });
  const unsent = { kind: 'reset', reusedConnection: true, written: false } as const;
  t.same(p.decide(unsent, { ...ctx, method: 'POST', budgetAllows: false }), {
    retry: true,
    delayMs: 0,
    reusedReset: true,
    budgeted: false,
  });
  t.match(p.decide(unsent, { ...ctx, method: 'POST', reusedResetRetried: true }), { retry: false });
  t.match(p.decide(unsent, { ...ctx, method: 'POST', bodyReplayable: false }), { retry: false, reason: 'body' });
  t.match(p.decide({ kind: 'reset', reusedConnection: false, written: false }, { ...ctx, method: 'POST' }), { retry: true });
});

t.test('a reset of a reused connection after the request was written: retried only when idempotent', async (t) => {
  const p = new RetryPolicy({ ...config, attempts: 0, on: [] });
  const written = { kind: 'reset', reusedConnection: true, written: true } as const;
  t.match(p.decide(written, { ...ctx, method: 'POST' }), { retry: false }, 'a POST may have been processed');
  t.match(p.decide(written, { ...ctx, method: 'POST', idempotencyKey: true }), { retry: true, reusedReset: true });
  t.match(p.decide(written, { ...ctx, method: 'PUT' }), { retry: true, reusedReset: true });
  t.match(p.decide({ kind: 'reset', reusedConnection: false, written: true }, { ...ctx, method: 'POST' }), { retry: false });
  const normal = new RetryPolicy(config);
  t.match(normal.decide({ kind: 'status', status: 503 }, { ...ctx, method: 'POST', idempotencyKey: true }), { retry: true });
});

t.test('jittered exponential backoff, capped', async (t) => {
  const max = new RetryPolicy(config, () => 0.999999);
  t.equal(max.backoffMs(1), 24);
  t.equal(max.backoffMs(2), 49);
  t.equal(max.backoffMs(10), 249, 'capped at backoff_max_ms');
  t.equal(new RetryPolicy(config, () => 0).backoffMs(3), 0, 'full jitter reaches zero');
});

t.test('Retry-After: honoured when short, ends retries when long', async (t) => {
  const p = new RetryPolicy(config, () => 0);
  t.same(p.decide({ kind: 'status', status: 503, retryAfter: '1' }, ctx), {
    retry: true,
    delayMs: 1000,
    reusedReset: false,
    budgeted: true,
  });
  t.match(p.decide({ kind: 'status', status: 503, retryAfter: '2' }, ctx), { retry: false, reason: 'retry_after' });
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.match(p.decide({ kind: 'status', status: 503, retryAfter: 'Thu, 01 Jan 2026 00:00:01 GMT' }, ctx, now), { retry: true, delayMs: 1000 });
  t.match(p.decide({ kind: 'status', status: 503, retryAfter: 'soon' }, ctx, now), { retry: true, delayMs: 0 }, 'garbage: the backoff');
});
