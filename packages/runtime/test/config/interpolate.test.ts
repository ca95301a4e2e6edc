import t from 'tap';
import { interpolate, interpolateString } from '../../src/config/interpolate.js';
import type { ConfigIssue } from '../../src/sidecar.js';

const env = { HOST: 'loki', EMPTY: '', PORT: '3100' };

t.test('the three forms', async (t) => {
  const issues: ConfigIssue[] = [];
  t.equal(interpolateString('http://${HOST}:${PORT}', env, 'x', issues), 'http://loki:3100');
  t.equal(interpolateString('${MISSING:-fallback}', env, 'x', issues), 'fallback');
  t.equal(interpolateString('${EMPTY:-fallback}', env, 'x', issues), 'fallback', 'empty counts as unset for :-');
  t.equal(interpolateString('${HOST:?must be set}', env, 'x', issues), 'loki');
  t.equal(interpolateString('cost: $${HOST}', env, 'x', issues), 'cost: ${HOST}', '$${ escapes');
  t.equal(interpolateString('${MISSING:-a\\}b}', env, 'x', issues), 'a}b', 'escaped brace in a default');
  t.same(issues, []);
});

t.test('errors name the path and the variable', async (t) => {
  const issues: ConfigIssue[] = [];
  interpolateString('${TOKEN:?mount the token secret}', env, 'sinks.http.token', issues);
  interpolateString('${UNSET}', env, 'a.b', issues);
  interpolateString('${not valid}', env, 'c', issues);
  t.same(issues, [
    { path: 'sinks.http.token', message: 'environment variable TOKEN is not set: mount the token secret' },
    { path: 'a.b', message: 'environment variable UNSET is not set (write ${UNSET:-default} to allow that)' },
    { path: 'c', message: 'invalid variable reference "${not valid": expected ${NAME}, ${NAME:-default} or ${NAME:?message}' },
  ]);
});

t.test('walks the tree; values cannot inject structure', async (t) => {
  const issues: ConfigIssue[] = [];
  const out = interpolate({ a: ['${HOST}', { b: '${EVIL}' }], n: 3 }, { ...env, EVIL: '}\nkey: [1' }, issues);
  t.same(out, { a: ['loki', { b: '}\nkey: [1' }], n: 3 });
  interpolate({ routes: [{ url: '${NOPE}' }] }, env, issues);
  t.equal(issues[0]?.path, 'routes[0].url');
});
