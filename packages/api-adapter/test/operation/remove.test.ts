import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('removes on upgrade; the downgrade restores a configured default', async (t) => {
  const op = bodyOp({ type: 'remove', path: '/data/*/legacy', default: { kept: true } });
  const newer = up(op, { data: [{ a: 1, legacy: 'x', b: 2 }, { a: 3 }] });
  t.equal(JSON.stringify(newer), '{"data":[{"a":1,"b":2},{"a":3}]}');
  const older = down(op, newer) as { data: { legacy: { kept: boolean } }[] };
  t.same(older, {
    data: [
      { a: 1, b: 2, legacy: { kept: true } },
      { a: 3, legacy: { kept: true } },
    ],
  });
  t.not(older.data[0]?.legacy, older.data[1]?.legacy, 'each element gets its own copy of the default');
  t.match(op.summary, /older versions get `\{"kept":true\}`/);
});

t.test('without a default the downgrade leaves the field absent', async (t) => {
  const op = bodyOp({ type: 'remove', path: '/secret' });
  t.same(down(op, { a: 1 }), { a: 1 });
  t.same(up(op, { secret: 1, a: 1 }), { a: 1 });
  t.match(op.summary, /do not get it back/);
});

t.test('rejects paths that do not end with a key', async (t) => {
  t.match(bodyOpIssues({ type: 'remove', path: '' }), [{ path: 'op.path' }]);
  t.match(bodyOpIssues({ type: 'remove', path: '/list/*' }), [{ path: 'op.path' }]);
});
