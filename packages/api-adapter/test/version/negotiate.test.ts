import t from 'tap';
import { checkPrefixTemplate, compileNegotiator, prefixFor } from '../../src/version/index.js';

const versions = ['2024-06-01', '2023-01-01'];

t.test('header, path prefix and default', async (t) => {
  const n = compileNegotiator({ header: 'api-version', pathPrefix: '/v{version}', default: '2024-06-01', versions });
  t.same(n('/customers/1', {}), { version: '2024-06-01', prefix: '', path: '/customers/1', source: 'default' });
  t.same(n('/customers/1', { 'api-version': ' 2023-01-01 ' }), {
    version: '2023-01-01',
    prefix: '',
    path: '/customers/1',
    source: 'header',
  });
  t.same(n('/v2023-01-01/customers/1', {}), { version: '2023-01-01', prefix: '/v2023-01-01', path: '/customers/1', source: 'path' });
  t.same(n('/v2023-01-01', {}), { version: '2023-01-01', prefix: '/v2023-01-01', path: '/', source: 'path' });
  t.same(
    n('/values/1', {}),
    { version: '2024-06-01', prefix: '', path: '/values/1', source: 'default' },
    'not version-shaped: an ordinary path',
  );
  t.throws(() => n('/v2099-01-01/x', {}), {
    code: 'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION',
    status: 400,
    message: /"2099-01-01" in the path/,
  });
  t.throws(() => n('/x', { 'api-version': 'banana' }), { code: 'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION', message: /api-version header/ });
  t.throws(() => n('/v2023-01-01/x', { 'api-version': '2024-06-01' }), { code: 'OUTRIGGER_E_ADAPTER_VERSION_CONFLICT', status: 400 });
});

t.test('numeric versions and disabled header', async (t) => {
  const n = compileNegotiator({ header: '', pathPrefix: '/api/v{version}', default: '2', versions: ['2', '1'] });
  t.same(n('/api/v1/invoices', { 'api-version': '9' }), { version: '1', prefix: '/api/v1', path: '/invoices', source: 'path' });
  t.throws(() => n('/api/v9/invoices', {}), { code: 'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION' });
  t.same(n('/api/vx/invoices', {}).source, 'default');
});

t.test('templates', async (t) => {
  t.equal(checkPrefixTemplate('/v{version}'), undefined);
  t.match(checkPrefixTemplate('v{version}'), /start with/);
  t.match(checkPrefixTemplate('/v'), /exactly once/);
  t.match(checkPrefixTemplate('/{version}/x'), /nothing after/);
  t.equal(prefixFor('/v{version}', '2'), '/v2');
  t.equal(prefixFor(undefined, '2'), '');
});
