import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('adds a default where absent; the downgrade drops it', async (t) => {
  const op = bodyOp({ type: 'add', path: '/data/*/currency', value: 'EUR' });
  const newer = up(op, { data: [{ amount: 1 }, { amount: 2, currency: 'USD' }] });
  t.same(newer, {
    data: [
      { amount: 1, currency: 'EUR' },
      { amount: 2, currency: 'USD' },
    ],
  });
  t.same(down(op, newer), { data: [{ amount: 1 }, { amount: 2 }] });
});

t.test('on_downgrade: keep leaves the field for older versions', async (t) => {
  const op = bodyOp({ type: 'add', path: '/flag', value: false, on_downgrade: 'keep' });
  t.same(down(op, { flag: true }), { flag: true });
});

t.test('requires a value', async (t) => {
  t.match(bodyOpIssues({ type: 'add', path: '/x' }), [{ path: 'op.value', message: /required/ }]);
});
