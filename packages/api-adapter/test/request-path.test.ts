/**
 * Paths are matched normalised (RFC 3986 §6): the variants of a path reach the same changes,
 * a removed endpoint stays removed under every spelling, and `..` cannot climb out of
 * `upstream.path_prefix`.
 */
import t from 'tap';
import type { AdapterConfig } from '../src/config.js';
import { Engine } from '../src/engine.js';
import { AdapterError } from '../src/errors.js';
import { normalisePath } from '../src/request-path.js';
import { change } from './fixtures/compile.js';

t.test('normalisation: escapes, empty and dot segments, trailing slash', async (t) => {
  const cases: [string, string, boolean][] = [
    ['/customers/1', '/customers/1', false],
    ['/customers/1/', '/customers/1', true],
    ['//customers//1', '/customers/1', false],
    ['/customers/./1', '/customers/1', false],
    ['/customers/x/../1', '/customers/1', false],
    ['/%63ustomers/%31', '/customers/1', false],
    ['/customers/%2e/1', '/customers/1', false],
    ['/a/b/..', '/a', true],
    ['/a%2fb/%7e%3f', '/a%2Fb/~%3F', false],
    ['/', '/', false],
    ['/./', '/', false],
  ];
  for (const [raw, path, trailingSlash] of cases) t.same(normalisePath(raw), { path, trailingSlash }, raw);
});

t.test('refused: climbing above the root, broken escapes', async (t) => {
  for (const raw of ['/..', '/a/../..', '/%2e%2e/etc/passwd', '/a/%zz', '/a%2']) {
    t.throws(() => normalisePath(raw), { code: 'OUTRIGGER_E_ADAPTER_BAD_PATH', status: 400 }, raw);
  }
});

function engine(): Engine {
  const config = {
    mode: 'inbound',
    upstream: { url: 'http://127.0.0.1:8081', version: '1', path_prefix: '/api' },
    versioning: { header: 'api-version', path_prefix: '/v{version}', echo_header: true },
    links: { body_fields: [], endpoints: [] },
    adapter_errors: { body: { error: { code: '{code}' } } },
    versions: [
      {
        version: '2',
        changes: [
          change({ description: 'a is b', endpoints: ['GET /customers/:id'], body: [{ type: 'rename', from: '/a', to: '/b' }] }),
          change({ description: 'no more exports', endpoints: ['* /exports'], removed: { status: 410 } }),
        ],
      },
      { version: '1', changes: [] },
    ],
  } as unknown as AdapterConfig;
  const { engine, issues } = Engine.compile(config);
  if (!engine) throw new Error(JSON.stringify(issues));
  return engine;
}

const e = engine();
const begin = (url: string) => e.begin({ method: 'GET', url, headers: { 'api-version': '2' } });

t.test('every spelling of a path gets its change; the app receives the normalised path', async (t) => {
  for (const [url, target] of [
    ['/customers/1', '/api/customers/1'],
    ['/customers/1/', '/api/customers/1/'],
    ['//customers/1', '/api/customers/1'],
    ['/customers/./1', '/api/customers/1'],
    ['/%63ustomers/1?x=%2e', '/api/customers/1?x=%2e'],
  ]) {
    const x = begin(url as string);
    t.equal(x.plan.steps.length, 1, `${url}: the change applies`);
    t.equal(x.upstream.target, target, `${url}: the upstream gets ${target}`);
  }
});

t.test('a removed endpoint stays removed under every spelling', async (t) => {
  for (const url of ['/exports', '/exports/', '//exports', '/./exports', '/x/../exports', '/%65xports']) {
    t.equal(begin(url).rejected?.status, 410, url);
  }
});

t.test('a path climbing above the prefix is refused before anything is sent', async (t) => {
  for (const url of ['/../admin', '/v2/../../admin', '/customers/../../../etc/passwd']) {
    t.throws(() => begin(url), AdapterError, url);
    t.throws(() => begin(url), { code: 'OUTRIGGER_E_ADAPTER_BAD_PATH' }, url);
  }
});
