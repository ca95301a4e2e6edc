import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('moves a value out of a nested object and back', async (t) => {
  const op = bodyOp({ type: 'move', from: '/address/city', to: '/city' });
  const old = { id: 1, address: { street: 'Main', city: 'Oslo' } };
  const newer = up(op, old);
  t.same(newer, { id: 1, address: { street: 'Main' }, city: 'Oslo' });
  t.same(down(op, newer), old);
});

t.test('moves within each array element, creating objects on the way', async (t) => {
  const op = bodyOp({ type: 'move', from: '/items/*/price', to: '/items/*/amount/value' });
  const newer = up(op, { items: [{ price: 5 }, { other: 1 }] });
  t.same(newer, { items: [{ amount: { value: 5 } }, { other: 1 }] });
  t.same(down(op, newer), { items: [{ price: 5 }, { other: 1 }] }, 'the holder the upgrade created is removed again');
  t.same(
    down(op, { items: [{ amount: { value: 5, currency: 'EUR' } }] }),
    { items: [{ amount: { currency: 'EUR' }, price: 5 }] },
    'a holder with other keys stays',
  );
});

t.test('moving is same-parent rename when only the key differs', async (t) => {
  const op = bodyOp({ type: 'move', from: '/a/x', to: '/a/y' });
  t.equal(JSON.stringify(up(op, { a: { x: 1, z: 2 } })), '{"a":{"y":1,"z":2}}');
});

t.test('never loses a value when the destination cannot hold it', async (t) => {
  const op = bodyOp({ type: 'move', from: '/a', to: '/b/c' });
  t.same(up(op, { a: 1, b: 'a string' }), { a: 1, b: 'a string' });
});

t.test('rejects moves across array elements or into itself', async (t) => {
  t.match(bodyOpIssues({ type: 'move', from: '/x/*/a', to: '/y/*/a' }), [{ path: 'op.to', message: /share every segment/ }]);
  t.match(bodyOpIssues({ type: 'move', from: '/a', to: '/a/b' }), [{ path: 'op.to', message: /contain one another/ }]);
});
