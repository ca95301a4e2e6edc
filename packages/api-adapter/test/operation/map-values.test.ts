import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('maps enum values both ways, leaving others alone', async (t) => {
  const op = bodyOp({ type: 'map_values', path: '/data/*/status', map: { active: 'enabled', inactive: 'disabled' } });
  const newer = up(op, { data: [{ status: 'active' }, { status: 'inactive' }, { status: 'other' }, { status: 1 }] });
  t.same(newer, { data: [{ status: 'enabled' }, { status: 'disabled' }, { status: 'other' }, { status: 1 }] });
  t.same(down(op, newer), { data: [{ status: 'active' }, { status: 'inactive' }, { status: 'other' }, { status: 1 }] });
});

t.test('maps elements of a list of scalars', async (t) => {
  const op = bodyOp({ type: 'map_values', path: '/tags/*', map: { a: 'A' } });
  t.same(up(op, { tags: ['a', 'b', 'a'] }), { tags: ['A', 'b', 'A'] });
});

t.test('rejects maps that are not one-to-one', async (t) => {
  t.match(bodyOpIssues({ type: 'map_values', path: '/s', map: { a: 'x', b: 'x' } }), [{ path: 'op.map.b', message: /one-to-one/ }]);
  t.match(bodyOpIssues({ type: 'map_values', path: '', map: { a: 'x' } }), [{ path: 'op.path' }]);
});
