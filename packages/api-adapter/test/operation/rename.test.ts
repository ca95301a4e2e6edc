import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('renames in place, keeping key order, in every array element', async (t) => {
  const op = bodyOp({ type: 'rename', from: '/data/*/name', to: '/data/*/full_name' });
  const old = { data: [{ id: 1, name: 'Ada', x: true }, { id: 2 }, 'not an object', { id: 3, name: null }] };
  const newer = up(op, old);
  t.equal(JSON.stringify(newer), '{"data":[{"id":1,"full_name":"Ada","x":true},{"id":2},"not an object",{"id":3,"full_name":null}]}');
  t.same(down(op, newer), old, 'down is the inverse');
});

t.test('renames a top-level key', async (t) => {
  const op = bodyOp({ type: 'rename', from: '/a', to: '/b' });
  t.same(up(op, { a: 1, c: 2 }), { b: 1, c: 2 });
  t.same(up(op, [1, 2]), [1, 2], 'a non-object root is left alone');
});

t.test('rejects renames that change the parent', async (t) => {
  t.match(bodyOpIssues({ type: 'rename', from: '/a/x', to: '/b/x' }), [{ path: 'op.to', message: /use `type: move`/ }]);
  t.match(bodyOpIssues({ type: 'rename', from: '/a/*', to: '/a/b' }), [{ path: 'op.from', message: /must end with an object key/ }]);
  t.match(bodyOpIssues({ type: 'rename', from: 'a', to: '/b' }), [{ path: 'op.from', message: /start with "\/"/ }]);
});
