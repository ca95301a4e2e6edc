import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('wraps the whole body (a bare list becomes {"data": [...]})', async (t) => {
  const op = bodyOp({ type: 'wrap', path: '', key: 'data' });
  t.same(up(op, [1, 2]), { data: [1, 2] });
  t.same(down(op, { data: [1, 2] }), [1, 2]);
  t.same(down(op, { other: 1 }), { other: 1 }, 'an unwrapped body is left alone');
});

t.test('unwrap is the inverse of wrap, per element', async (t) => {
  const op = bodyOp({ type: 'unwrap', path: '/items/*/price', key: 'value' });
  t.same(up(op, { items: [{ price: { value: 5 } }, { price: 7 }] }), { items: [{ price: 5 }, { price: 7 }] });
  t.same(down(op, { items: [{ price: 5 }] }), { items: [{ price: { value: 5 } }] });
});

t.test('needs a key', async (t) => {
  t.match(bodyOpIssues({ type: 'wrap', path: '/a', key: '' }), [{ path: 'op.key' }]);
});
