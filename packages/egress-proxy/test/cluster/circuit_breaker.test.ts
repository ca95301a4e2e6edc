import t from 'tap';
import { CircuitBreaker } from '../../src/cluster/circuit_breaker.js';

t.test('pending and request limits', async (t) => {
  const b = new CircuitBreaker({ max_pending: 2, max_requests: 3 });
  t.ok(b.admit());
  t.ok(b.admit());
  t.notOk(b.admit(), 'two pending');
  t.equal(b.overflows, 1);
  b.pending = 0;
  t.ok(b.admit());
  t.notOk(b.admit(), 'three in flight');
  t.equal(b.requests, 3);
  t.equal(b.overflows, 2);
});
