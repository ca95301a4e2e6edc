import t from 'tap';
import { FileCursor } from '../../src/checkpoint/cursor.js';

t.test('committed offset waits for every sink that received the range', async (t) => {
  const c = new FileCursor(0);
  const r1 = c.push(100, ['a', 'b']);
  const r2 = c.push(200, ['a', 'b']);
  t.equal(c.committed, 0);
  c.ack(r1, 'a');
  t.equal(c.committed, 0, 'b has not acknowledged');
  c.ack(r2, 'a');
  c.ack(r2, 'b');
  t.equal(c.committed, 0, 'r1 still waits for b: never ahead of an acknowledgement');
  t.ok(c.ack(r1, 'b'));
  t.equal(c.committed, 200);
  t.equal(c.pending, 0);
  t.same(Object.fromEntries(c.acked), { a: 200, b: 200 });
});

t.test('a sink that received nothing from a range does not hold it back', async (t) => {
  const c = new FileCursor(50);
  const r1 = c.push(100, ['a']);
  c.push(150, []); // filtered out for every sink
  const r3 = c.push(200, ['b']);
  c.ack(r3, 'b');
  t.equal(c.committed, 50);
  c.ack(r1, 'a');
  t.equal(c.committed, 200);
});

t.test('a second ack of the same range by the same sink is ignored', async (t) => {
  const c = new FileCursor(0);
  const r = c.push(10, ['a', 'b']);
  c.ack(r, 'a');
  t.notOk(c.ack(r, 'a'));
  t.equal(c.committed, 0);
});

t.test('many ranges: memory is compacted, offsets stay right', async (t) => {
  const c = new FileCursor(0);
  for (let i = 1; i <= 5000; i++) c.ack(c.push(i * 10, ['s']), 's');
  t.equal(c.committed, 50000);
  t.equal(c.pending, 0);
});
