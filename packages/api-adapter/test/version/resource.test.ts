/**
 * Resource-scoped changes: one definition ("a customer's name became given_name + family_name")
 * applied to a single object, the items of a list, an object embedded two levels deep, and a
 * request body — up and down — composed with endpoint-scoped changes in chain order, within a
 * bounded walk.
 */
import t from 'tap';
import type { AdapterConfig } from '../../src/config.js';
import { Engine } from '../../src/engine.js';
import { change } from '../fixtures/compile.js';

const versions = [
  {
    version: '3',
    changes: [
      change({
        description: 'lists hold their items in `items`',
        endpoints: ['GET /customers'],
        response_body: [{ type: 'rename', from: '/data', to: '/items' }],
      }),
    ],
  },
  {
    version: '2',
    changes: [
      change({
        description: 'a customer’s name is split',
        resource: 'customer',
        body: [{ type: 'split', from: '/name', into: ['/given_name', '/family_name'], separator: ' ' }],
      }),
    ],
  },
  { version: '1', changes: [] },
];

function engine(upstream: string, over: Record<string, unknown> = {}): Engine {
  const config = {
    mode: 'inbound',
    upstream: { url: 'http://127.0.0.1:8081', version: upstream, path_prefix: '' },
    versioning: { header: 'api-version', echo_header: true },
    links: { body_fields: [], endpoints: [] },
    adapter_errors: { body: { error: { code: '{code}' } } },
    resources: [{ name: 'customer', match: { object: 'customer' } }],
    versions,
    ...over,
  } as unknown as AdapterConfig;
  const { engine, issues } = Engine.compile(config);
  if (!engine) throw new Error(JSON.stringify(issues));
  return engine;
}

const ada1 = { object: 'customer', id: 1, name: 'Ada Lovelace' };
const ada2 = { object: 'customer', id: 1, given_name: 'Ada', family_name: 'Lovelace' };
const alan1 = { object: 'customer', id: 2, name: 'Alan Turing' };
const alan2 = { object: 'customer', id: 2, given_name: 'Alan', family_name: 'Turing' };

/** The body a caller on `version` gets for an upstream body. */
async function response(e: Engine, version: string, path: string, body: unknown): Promise<unknown> {
  const x = e.begin({ method: 'GET', url: path, headers: { 'api-version': version } });
  const out = x.response(200, { 'content-type': 'application/json' });
  return x.responseBody(structuredClone(body), out);
}

/** The body the upstream gets for a caller's request body. */
async function request(e: Engine, version: string, path: string, body: unknown): Promise<unknown> {
  const x = e.begin({ method: 'POST', url: path, headers: { 'api-version': version } });
  return x.requestBody(structuredClone(body));
}

const old = engine('1');
const modern = engine('2');

t.test('a single object, up (old app, new caller) and down (new app, old caller)', async (t) => {
  t.same(await response(old, '2', '/customers/1', ada1), ada2);
  t.same(await response(modern, '1', '/customers/1', ada2), ada1);
});

t.test('the items of a list', async (t) => {
  const list = (items: unknown[]) => ({ object: 'list', data: items, has_more: false });
  t.same(await response(old, '2', '/customers', list([ada1, alan1])), list([ada2, alan2]));
  t.same(await response(modern, '1', '/customers', list([ada2, alan2])), list([ada1, alan1]));
});

t.test('an object embedded two levels deep, on an endpoint no change names', async (t) => {
  const invoice = (c: unknown) => ({ object: 'invoice', id: 9, billing: { contact: c }, lines: [{ amount: 1 }] });
  t.same(await response(old, '2', '/invoices/9', invoice(ada1)), invoice(ada2));
  t.same(await response(modern, '1', '/invoices/9', invoice(ada2)), invoice(ada1));
});

t.test('request bodies, both ways, embedded ones too', async (t) => {
  t.same(await request(old, '2', '/customers', ada2), ada1, 'new caller → old app');
  t.same(await request(modern, '1', '/customers', ada1), ada2, 'old caller → new app');
  const order = (c: unknown) => ({ object: 'order', customer: c, items: [] });
  t.same(await request(old, '2', '/orders', order(ada2)), order(ada1));
});

t.test('composed with endpoint-scoped changes, in chain order', async (t) => {
  const body = { object: 'list', data: [ada1] };
  t.same(await response(old, '3', '/customers', body), { object: 'list', items: [ada2] });
  t.same(await response(engine('3'), '1', '/customers', { object: 'list', items: [ada2] }), body);
});

t.test('objects that are not the resource are left alone', async (t) => {
  const other = { object: 'product', name: 'Big Box' };
  t.same(await response(old, '2', '/products/1', other), other);
});

t.test('the walk is bounded; hitting a limit is reported and the rest left unchanged', async (t) => {
  const hits: string[] = [];
  const shallow = engine('1', { body: { resource_max_depth: 2, resource_max_nodes: 1_000_000 } });
  shallow.onWalkLimit = (limit) => hits.push(limit);
  const deep = { a: { b: { c: ada1 } } };
  t.same(await response(shallow, '2', '/x', deep), deep, 'three levels down is beyond a depth of 2');
  t.same(hits, ['depth']);
  const few = engine('1', { body: { resource_max_depth: 64, resource_max_nodes: 3 } });
  few.onWalkLimit = (limit) => hits.push(limit);
  const out = (await response(few, '2', '/customers', { data: [ada1, alan1, ada1] })) as { data: unknown[] };
  t.same(hits, ['depth', 'nodes']);
  t.same(out.data[0], ada2, 'visited before the limit');
  t.same(out.data[2], ada1, 'beyond the limit');
});

t.test('config problems: unknown resource, no recogniser, scripts', async (t) => {
  const bad = {
    mode: 'inbound',
    upstream: { url: 'http://127.0.0.1:8081', version: '1', path_prefix: '' },
    versioning: { header: 'api-version', echo_header: true },
    links: { body_fields: [], endpoints: [] },
    adapter_errors: { body: {} },
    resources: [{ name: 'vague' }],
    versions: [
      {
        version: '2',
        changes: [
          change({ description: 'x', resource: 'costumer', body: [{ type: 'rename', from: '/a', to: '/b' }] }),
          change({ description: 'y', resource: 'vague', body: [{ type: 'script', up: 'body', down: 'body', timeout_ms: 100 }] }),
        ],
      },
      { version: '1', changes: [] },
    ],
  } as unknown as AdapterConfig;
  const { issues } = Engine.compile(bad);
  t.match(issues, [
    { path: 'resources[0]', message: /match/ },
    { path: 'versions[0].changes[0].resource', message: /unknown resource "costumer"; declared: vague/ },
    { path: 'versions[0].changes[1].resource', message: /script/ },
  ]);
});
