import t from 'tap';
import type { AdapterConfig } from '../src/config.js';
import { Engine } from '../src/engine.js';
import { AdapterError } from '../src/errors.js';

function engine(over: Partial<AdapterConfig> = {}): Engine {
  const config = {
    mode: 'inbound',
    upstream: { url: 'http://127.0.0.1:8081', version: '1', path_prefix: '/v1' },
    versioning: { header: 'api-version', path_prefix: '/v{version}', echo_header: true },
    links: { body_fields: [], endpoints: [] },
    adapter_errors: { body: { error: { code: '{code}', message: '{message}', status: '{status}' } } },
    versions: [
      {
        version: '2',
        changes: [
          {
            description: 'errors are objects',
            endpoints: ['* /things/*'],
            request: [],
            response: [],
            body: [{ type: 'rename', from: '/a', to: '/b' }],
            request_body: [],
            response_body: [],
            error_body: [{ type: 'move', from: '/message', to: '/error/message' }],
          },
        ],
      },
      { version: '1', changes: [] },
    ],
    ...over,
  } as unknown as AdapterConfig;
  const { engine: e, issues } = Engine.compile(config);
  if (!e) throw new Error(JSON.stringify(issues));
  return e;
}

t.test('the upstream request: prefix, query, version header, hop-by-hop, host, forwarded-for', async (t) => {
  const e = engine();
  const x = e.begin({
    method: 'get',
    url: '/v2/things/1?x=%20y',
    headers: {
      host: 'adapter:8080',
      connection: 'keep-alive, x-hop',
      'x-hop': '1',
      'keep-alive': '5',
      // Credentials for a proxy on this hop, never for the upstream (RFC 9110 §11.7.2).
      'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
      'api-version': '2',
      'if-match': '"e;v=2"',
    },
    remoteAddress: '10.0.0.9',
  });
  t.equal(x.upstream.method, 'GET');
  t.equal(x.upstream.target, '/v1/things/1?x=%20y');
  t.same(Object.fromEntries(Object.entries(x.upstream.headers).filter(([, v]) => v !== undefined)), {
    host: 'adapter:8080',
    'api-version': '1',
    'if-match': '"e"',
    'x-forwarded-for': '10.0.0.9',
  });
  t.equal(x.callerVersion, '2');
  const out = engine({ mode: 'outbound' }).begin({ method: 'GET', url: 'http://ignored/things/1', headers: { host: 'localhost:4140' } });
  t.equal(out.upstream.headers.host, '127.0.0.1:8081', 'outbound mode sends the upstream’s Host');
  t.equal(out.upstream.headers['x-forwarded-for'], undefined);
  t.equal(out.upstream.target, '/v1/things/1', 'absolute-form targets are reduced to the path');
});

t.test('the response head: echo, Vary, ETag, Location; bodiless statuses never parsed', async (t) => {
  const e = engine();
  const x = e.begin({ method: 'GET', url: '/v2/things/1', headers: { host: 'a' } });
  const out = x.response(200, {
    'content-type': 'application/json',
    vary: 'Accept',
    etag: '"x"',
    location: '/v1/things/2',
    connection: 'close',
    'keep-alive': 'x',
  });
  t.equal(out.headers['api-version'], '2');
  t.equal(out.headers.vary, 'Accept, api-version');
  t.equal(out.headers.etag, '"x;v=2"');
  t.equal(out.headers.location, '/v2/things/2');
  t.equal(out.headers.connection, undefined);
  t.ok(out.parse);
  for (const status of [204, 304, 206, 101]) t.notOk(x.response(status, {}).parse, `${status} not parsed`);
  const head = e.begin({ method: 'HEAD', url: '/v2/things/1', headers: {} });
  const h = head.response(200, { 'content-length': '10', 'content-type': 'application/json' });
  t.notOk(h.parse);
  t.equal(h.headers['content-length'], undefined, 'HEAD of a transformed route drops the upstream length');
  const plain = e.begin({ method: 'GET', url: '/v1/other', headers: {} });
  const p = plain.response(200, { etag: '"x"', 'content-length': '5' });
  t.notOk(p.parse, 'no change applies');
  t.equal(p.headers.etag, '"x"', 'same version: ETag not marked');
  t.equal(p.headers['content-length'], '5');
});

t.test('bodies walk both ways; error bodies use error_body', async (t) => {
  const e = engine();
  const x = e.begin({ method: 'POST', url: '/things/1', headers: { 'api-version': '2' } });
  t.ok(x.transformsRequestBody);
  t.same(await x.requestBody({ b: 1 }), { a: 1 });
  const ok = x.response(200, { 'content-type': 'application/json' });
  t.same(await x.responseBody({ a: 2 }, ok), { b: 2 });
  const err = x.response(404, { 'content-type': 'application/json' });
  t.same(await x.responseBody({ message: 'nope' }, err), { error: { message: 'nope' } });
});

t.test('errors the adapter answers are in the caller’s shape', async (t) => {
  const e = engine({ adapter_errors: { body: { message: '{message}', code: '{code}', status: '{status}' }, version: '1' } } as never);
  const x = e.begin({ method: 'GET', url: '/things/1', headers: { 'api-version': '2' } });
  const r = e.errorResponse(new AdapterError('OUTRIGGER_E_ADAPTER_MALFORMED_JSON', 'bad "json"', 400), x);
  t.equal(r.status, 400);
  t.same(
    JSON.parse(r.body.toString()),
    { code: 'OUTRIGGER_E_ADAPTER_MALFORMED_JSON', status: 400, error: { message: 'bad "json"' } },
    'walked from 1 up to 2',
  );
  t.equal(r.headers['api-version'], '2');
  t.equal(r.headers['content-length'], String(r.body.length));
  const unknown = e.errorResponse(new AdapterError('OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION', 'x', 400));
  t.equal(unknown.headers['api-version'], undefined, 'no version to echo');
  t.equal(unknown.headers.vary, 'api-version');
});

t.test('compile problems name config paths', async (t) => {
  const { issues } = Engine.compile({
    mode: 'inbound',
    upstream: { url: 'http://x', version: '9', path_prefix: 'v1' },
    versioning: { header: 'bad header', path_prefix: '/v', default: '7', echo_header: true },
    links: { body_fields: ['nope'], endpoints: ['GET'] },
    adapter_errors: { body: {}, version: '8' },
    versions: [{ version: '1', changes: [] }],
  } as never);
  t.same(issues.map((i) => i.path).sort(), [
    'adapter_errors.version',
    'links.body_fields[0]',
    'links.endpoints[0]',
    'upstream.path_prefix',
    'upstream.version',
    'versioning.default',
    'versioning.header',
    'versioning.path_prefix',
  ]);
});
