import type { ConfigIssue } from '@outrigger/runtime';
import t from 'tap';
import {
  compileRequestOp,
  compileResponseOp,
  type RequestHead,
  type RequestOpSpec,
  type ResponseOpSpec,
} from '../../src/operation/index.js';
import { context } from '../fixtures/compile.js';

function reqOp(spec: RequestOpSpec) {
  const issues: ConfigIssue[] = [];
  const op = compileRequestOp(spec, context(issues));
  if (!op) throw new Error(JSON.stringify(issues));
  return op;
}
function issuesOf(spec: unknown, kind: 'request' | 'response' = 'request') {
  const issues: ConfigIssue[] = [];
  (kind === 'request' ? compileRequestOp : compileResponseOp)(spec as never, context(issues));
  return issues;
}
const req = (over: Partial<RequestHead> = {}): RequestHead => ({ method: 'GET', path: '/', query: '', headers: {}, ...over });

t.test('rewrite_path carries :params and a trailing rest', async (t) => {
  const op = reqOp({ type: 'rewrite_path', from: '/customers/:id/name', to: '/clients/:id/full-name' });
  const r = req({ path: '/customers/42/name' });
  op.up(r);
  t.equal(r.path, '/clients/42/full-name');
  op.down(r);
  t.equal(r.path, '/customers/42/name');
  const other = req({ path: '/customers/42' });
  op.up(other);
  t.equal(other.path, '/customers/42', 'non-matching paths unchanged');
  const rest = reqOp({ type: 'rewrite_path', from: '/old/*', to: '/new/api/*' });
  const r2 = req({ path: '/old/a/b' });
  rest.up(r2);
  t.equal(r2.path, '/new/api/a/b');
  t.match(issuesOf({ type: 'rewrite_path', from: '/a/:id', to: '/b/:key' }), [{ path: 'op.to', message: /same parameters/ }]);
  t.match(issuesOf({ type: 'rewrite_path', from: '/a/*/c', to: '/b/*/c' }), [{ path: 'op.from', message: /trailing/ }]);
});

t.test('set_method', async (t) => {
  const op = reqOp({ type: 'set_method', from: 'post', to: 'PUT' });
  const r = req({ method: 'POST' });
  op.up(r);
  t.equal(r.method, 'PUT');
  op.down(r);
  t.equal(r.method, 'POST');
  t.match(issuesOf({ type: 'set_method', from: 'P O', to: 'PUT' }), [{ path: 'op.from' }]);
});

t.test('headers', async (t) => {
  const rn = reqOp({ type: 'rename_header', from: 'X-Old', to: 'X-New' });
  const r = req({ headers: { 'x-old': '1' } });
  rn.up(r);
  t.same([r.headers['x-old'], r.headers['x-new']], [undefined, '1']);
  rn.down(r);
  t.same([r.headers['x-old'], r.headers['x-new']], ['1', undefined]);
  const set = reqOp({ type: 'set_header', name: 'X-Feature', value: 'on' });
  const r2 = req();
  set.up(r2);
  t.equal(r2.headers['x-feature'], 'on');
  set.down(r2);
  t.equal(r2.headers['x-feature'], undefined);
  const rm = reqOp({ type: 'remove_header', name: 'x-legacy', default: 'yes' });
  const r3 = req({ headers: { 'x-legacy': 'no' } });
  rm.up(r3);
  t.equal(r3.headers['x-legacy'], undefined);
  rm.down(r3);
  t.equal(r3.headers['x-legacy'], 'yes');
  t.match(issuesOf({ type: 'set_header', name: 'Content-Length', value: '1' }), [{ path: 'op.name', message: /managed by the adapter/ }]);
  t.match(issuesOf({ type: 'set_header', name: 'x-a', value: 'a\r\nb' }), [{ path: 'op.value' }]);
});

t.test('query parameters; untouched queries keep their bytes', async (t) => {
  const rn = reqOp({ type: 'rename_query', from: 'page_size', to: 'limit' });
  const r = req({ query: 'page_size=10&b=%7E' });
  rn.up(r);
  t.equal(r.query, 'b=%7E&limit=10');
  const untouched = req({ query: 'x=%7E' });
  rn.up(untouched);
  t.equal(untouched.query, 'x=%7E');
  const set = reqOp({ type: 'set_query', name: 'expand', value: 'all' });
  const r2 = req({ query: '' });
  set.up(r2);
  t.equal(r2.query, 'expand=all');
  set.down(r2);
  t.equal(r2.query, '');
  const rm = reqOp({ type: 'remove_query', name: 'debug', default: '0' });
  const r3 = req({ query: 'debug=1' });
  rm.up(r3);
  t.equal(r3.query, '');
  rm.down(r3);
  t.equal(r3.query, 'debug=0');
});

t.test('map_status', async (t) => {
  const issues: ConfigIssue[] = [];
  const op = compileResponseOp({ type: 'map_status', map: { '400': 422, '404': 410 } } as ResponseOpSpec, context(issues));
  t.ok(op);
  const res = { status: 400, headers: {} };
  op?.up(res);
  t.equal(res.status, 422);
  op?.down(res);
  t.equal(res.status, 400);
  const other = { status: 500, headers: {} };
  op?.up(other);
  t.equal(other.status, 500);
  t.match(issuesOf({ type: 'map_status', map: { '400': 404, '410': 404 } }, 'response'), [{ path: 'op.map.410', message: /one-to-one/ }]);
  t.match(issuesOf({ type: 'set_method', from: 'GET', to: 'PUT' }, 'response'), [{ path: 'op.type', message: /unknown operation/ }]);
});
