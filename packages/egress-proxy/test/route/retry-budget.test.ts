import t from 'tap';
import { RetryBudget } from '../../src/route/retry-budget.js';

t.test('a share of active requests, with a floor', async (t) => {
  const b = new RetryBudget(20, 3);
  b.active = 5;
  b.retrying = 2;
  t.ok(b.allows(), 'the floor of 3 applies on a quiet route');
  b.retrying = 3;
  t.notOk(b.allows());
  b.active = 100;
  b.retrying = 19;
  t.ok(b.allows(), '20 % of 100 active');
  b.retrying = 20;
  t.notOk(b.allows());
  t.notOk(new RetryBudget(0, 0).allows(), 'a zero budget allows no retry');
});
