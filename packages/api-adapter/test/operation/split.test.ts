import t from 'tap';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('split puts the parts where the field was; join gives the original back', async (t) => {
  const op = bodyOp({ type: 'split', from: '/name', into: ['/given_name', '/family_name'], separator: ' ' });
  const newer = up(op, { id: 1, name: 'Ada van Lovelace', email: 'a@x' });
  t.equal(JSON.stringify(newer), '{"id":1,"given_name":"Ada","family_name":"van Lovelace","email":"a@x"}');
  t.equal(JSON.stringify(down(op, newer)), '{"id":1,"name":"Ada van Lovelace","email":"a@x"}');
  const single = up(op, { name: 'Cher' });
  t.same(single, { given_name: 'Cher' }, 'missing parts are not invented');
  t.same(down(op, single), { name: 'Cher' }, 'round trip');
  t.same(up(op, { name: 5 }), { name: 5 }, 'non-strings are left alone');
  t.same(down(op, { given_name: 1, family_name: 'x' }), { given_name: 1, family_name: 'x' }, 'non-string parts are left alone');
});

t.test('split across nested objects within array elements', async (t) => {
  const op = bodyOp({
    type: 'split',
    from: '/people/*/name',
    into: ['/people/*/name_parts/first', '/people/*/name_parts/last'],
    separator: ',',
  });
  const newer = up(op, { people: [{ name: 'a,b' }, { x: 1 }] });
  t.same(newer, { people: [{ name_parts: { first: 'a', last: 'b' } }, { x: 1 }] });
  t.same(down(op, newer), { people: [{ name: 'a,b' }, { x: 1 }] }, 'emptied holders are removed');
});

t.test('join is the mirror of split', async (t) => {
  const op = bodyOp({ type: 'join', from: ['/first', '/last'], into: '/name', separator: ' ' });
  t.same(up(op, { first: 'Ada', last: 'Lovelace' }), { name: 'Ada Lovelace' });
  t.same(down(op, { name: 'Ada Lovelace' }), { first: 'Ada', last: 'Lovelace' });
});

t.test('config problems', async (t) => {
  t.match(bodyOpIssues({ type: 'split', from: '/a', into: ['/b'], separator: ' ' }), [{ path: 'op.into', message: /at least two/ }]);
  t.match(bodyOpIssues({ type: 'split', from: '/a', into: ['/b', '/c'], separator: '' }), [{ path: 'op.separator' }]);
});
