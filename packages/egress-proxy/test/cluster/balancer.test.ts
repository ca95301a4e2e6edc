import t from 'tap';
import { createBalancer, LeastRequest, RoundRobin } from '../../src/cluster/balancer.js';

const eps = () => [
  { id: 'a', active: 0 },
  { id: 'b', active: 0 },
  { id: 'c', active: 0 },
];

t.test('round robin cycles', async (t) => {
  const rr = new RoundRobin<{ id: string; active: number }>();
  const list = eps();
  t.same(
    [1, 2, 3, 4].map(() => rr.pick(list).id),
    ['a', 'b', 'c', 'a'],
  );
});

t.test('least request: of two random choices the less loaded wins', async (t) => {
  const list = eps();
  list[0]!.active = 5;
  list[1]!.active = 1;
  // random() picks index 0, then 0 of the remaining → index 1
  const values = [0, 0];
  const lr = new LeastRequest<{ id: string; active: number }>(() => values.shift() ?? 0);
  t.equal(lr.pick(list).id, 'b');
  // Under random load, the busiest endpoint is never chosen.
  list[2]!.active = 0;
  const p2c = new LeastRequest<{ id: string; active: number }>();
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 300; i++) counts[p2c.pick(list).id]!++;
  t.equal(counts.a, 0, 'the most loaded endpoint loses every comparison');
  t.ok(counts.c! > counts.b!, 'the idle endpoint wins most');
});

t.test('random and the factory', async (t) => {
  const r = createBalancer<{ id: string; active: number }>('random', () => 0.7);
  t.equal(r.pick(eps()).id, 'c');
  t.equal(createBalancer('least_request').pick([{ active: 3 }]).active, 3, 'one candidate');
});
