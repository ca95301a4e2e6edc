import t from 'tap';
import { TokenBucket } from '../../src/route/rate-limit.js';

t.test('burst, then the refill rate', async (t) => {
  let now = 0;
  const b = new TokenBucket(10, 3, () => now);
  t.ok(b.take());
  t.ok(b.take());
  t.ok(b.take());
  t.notOk(b.take(), 'burst of 3 spent');
  t.equal(b.waitMs(), 100, 'one token per 100 ms');
  now += 99;
  t.notOk(b.take());
  now += 1;
  t.ok(b.take(), 'a token after 100 ms');
  now += 10_000;
  let n = 0;
  while (b.take()) n++;
  t.equal(n, 3, 'never more than the burst is saved');
});

t.test('default burst is one second of tokens', async (t) => {
  const now = 0;
  const b = new TokenBucket(5, undefined, () => now);
  let n = 0;
  while (b.take()) n++;
  t.equal(n, 5);
});
