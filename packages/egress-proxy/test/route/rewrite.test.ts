import t from 'tap';
import { HeaderRewriter, rewritePath } from '../../src/route/rewrite.js';

t.test('prefix strip and replace', async (t) => {
  t.equal(rewritePath('/payments/v1/charges?x=1', '/payments/', true, undefined), '/v1/charges?x=1');
  t.equal(rewritePath('/payments/', '/payments/', true, undefined), '/');
  t.equal(rewritePath('/payments?x=1', '/payments', true, undefined), '/?x=1');
  t.equal(rewritePath('/payments/v1', '/payments/', false, '/api/'), '/api/v1');
  t.equal(rewritePath('/payments/v1', '/payments', false, '/api'), '/api/v1');
  t.equal(rewritePath('/payments/v1', '/payments/', false, undefined), '/payments/v1', 'no rewrite keeps the path');
  t.equal(rewritePath('/x', undefined, true, undefined), '/x');
});

t.test('header set/add/remove', async (t) => {
  const r = new HeaderRewriter({ set: { 'X-Team': 'checkout' }, add: { 'x-tag': 'a' }, remove: ['X-Debug'] });
  t.ok(r.drops('x-debug'));
  t.ok(r.drops('x-team'), 'a set header replaces the app value');
  t.notOk(r.drops('x-tag'), 'an added header keeps the app value');
  const flat: string[] = [];
  r.appendTo(flat);
  t.same(flat, ['x-team', 'checkout', 'x-tag', 'a']);
  t.ok(new HeaderRewriter(undefined).empty);
  t.notOk(r.empty);
});
