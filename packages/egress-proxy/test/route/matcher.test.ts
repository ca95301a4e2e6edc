import t from 'tap';
import { hostWithoutPort, RouteMatcher } from '../../src/route/matcher.js';

t.test('path prefix, host and both; first match wins', async (t) => {
  const m = new RouteMatcher([
    { match: { path_prefix: '/payments/', host: 'api.example.com' }, value: 'both' },
    { match: { path_prefix: '/payments/' }, value: 'payments' },
    { match: { host: '*.svc.local' }, value: 'wildcard' },
    { match: { host: 'Exact.Example.com' }, value: 'exact' },
  ]);
  t.equal(m.match('api.example.com:4140', '/payments/x'), 'both');
  t.equal(m.match('localhost:4140', '/payments/x'), 'payments');
  t.equal(m.match('localhost:4140', '/paymentsX'), undefined, 'prefix is literal');
  t.equal(m.match('a.svc.local', '/x'), 'wildcard');
  t.equal(m.match('svc.local', '/x'), undefined, 'the wildcard needs a sub-domain');
  t.equal(m.match('EXACT.example.COM:80', '/'), 'exact', 'host is case-insensitive, port ignored');
  t.equal(m.match(undefined, '/other'), undefined);
});

t.test('hostWithoutPort', async (t) => {
  t.equal(hostWithoutPort('[::1]:4140'), '[::1]');
  t.equal(hostWithoutPort('Example.com'), 'example.com');
  t.equal(hostWithoutPort(''), '');
});
