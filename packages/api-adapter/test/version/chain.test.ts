import t from 'tap';
import type { RequestHead } from '../../src/operation/index.js';
import { runBody, runResponseBody } from '../../src/version/index.js';
import { chain } from '../fixtures/compile.js';

const req = (method: string, path: string, over: Partial<RequestHead> = {}): RequestHead => ({
  method,
  path,
  query: '',
  headers: {},
  ...over,
});

// Three versions: 1 (oldest) → 2 → 3 (newest). Each change leaves a trace in a list so the
// order of application is visible, besides doing a real transformation.
const three = () =>
  chain(
    [
      {
        version: '3',
        changes: [
          {
            description: 'name split',
            endpoints: ['* /customers/*'],
            body: [{ type: 'split', from: '/name', into: ['/given_name', '/family_name'], separator: ' ' }],
          },
          {
            description: 'trace 3',
            body: [
              {
                type: 'script',
                up: '({ ...body, trace: [...(body.trace || []), "up3"] })',
                down: '({ ...body, trace: [...(body.trace || []), "down3"] })',
                timeout_ms: 5000,
              },
            ],
          },
        ],
      },
      {
        version: '2',
        changes: [
          {
            description: 'customers moved',
            request: [{ type: 'rewrite_path', from: '/clients/:id', to: '/customers/:id' }],
            body: [
              { type: 'rename', from: '/fullname', to: '/name' },
              {
                type: 'script',
                up: '({ ...body, trace: [...(body.trace || []), "up2"] })',
                down: '({ ...body, trace: [...(body.trace || []), "down2"] })',
                timeout_ms: 5000,
              },
            ],
          },
        ],
      },
      { version: '1' },
    ] as never,
    '3',
  );

t.test('a request from the oldest version walks up through every change in order; the response walks back down', async (t) => {
  const c = three();
  const r = req('POST', '/clients/7');
  const plan = c.plan('1', r);
  t.equal(r.path, '/customers/7', 'path rewritten by v2 before v3 matched it');
  t.same(
    plan.steps.map((s) => `${s.change.version}:${s.change.description}:${s.dir}`),
    ['2:customers moved:up', '3:name split:up', '3:trace 3:up'],
  );
  const upstreamBody = await runBody(plan.requestBody, { fullname: 'Ada Lovelace' }, { method: 'POST', path: r.path, message: 'request' });
  t.same(upstreamBody, { given_name: 'Ada', family_name: 'Lovelace', trace: ['up2', 'up3'] });
  const res = { status: 201, headers: {} };
  const seen = plan.walkResponse(res);
  const back = await runResponseBody(
    plan.responseBody(seen),
    { id: 7, given_name: 'Ada', family_name: 'Lovelace' },
    { method: 'POST', path: r.path, message: 'response' },
  );
  t.same(back, { id: 7, fullname: 'Ada Lovelace', trace: ['down3', 'down2'] }, 'down in reverse order');
});

t.test('a caller newer than the upstream walks down, the response up', async (t) => {
  const c = chain(
    [
      { version: '3', changes: [{ description: 'c3', body: [{ type: 'rename', from: '/b', to: '/c' }] }] },
      { version: '2', changes: [{ description: 'c2', body: [{ type: 'rename', from: '/a', to: '/b' }] }] },
      { version: '1' },
    ] as never,
    '1',
  );
  const plan = c.plan('3', req('GET', '/x'));
  t.same(
    plan.steps.map((s) => `${s.change.version}:${s.dir}`),
    ['3:down', '2:down'],
  );
  t.same(await runBody(plan.requestBody, { c: 1 }, { method: 'GET', path: '/x', message: 'request' }), { a: 1 });
  const seen = plan.walkResponse({ status: 200, headers: {} });
  t.same(await runResponseBody(plan.responseBody(seen), { a: 2 }, { method: 'GET', path: '/x', message: 'response' }), { c: 2 });
  const mid = c.plan('2', req('GET', '/x'));
  t.same(
    mid.steps.map((s) => s.change.version),
    ['2'],
    'only the changes between caller and upstream',
  );
  const same = c.plan('1', req('GET', '/x'));
  t.notOk(same.matched, 'no steps when caller and upstream agree');
});

t.test('endpoint matching selects changes; unmatched routes plan nothing', async (t) => {
  const c = chain(
    [
      {
        version: '2',
        changes: [
          {
            description: 'get only',
            endpoints: ['GET /customers/:id', 'GET /customers'],
            body: [{ type: 'rename', from: '/a', to: '/b' }],
          },
          { description: 'invoices', endpoints: ['* /invoices/*'], body: [{ type: 'rename', from: '/x', to: '/y' }] },
        ],
      },
      { version: '1' },
    ] as never,
    '1',
  );
  t.same(
    c.plan('2', req('GET', '/customers/1')).steps.map((s) => s.change.description),
    ['get only'],
  );
  t.same(
    c.plan('2', req('GET', '/customers')).steps.map((s) => s.change.description),
    ['get only'],
  );
  t.same(c.plan('2', req('DELETE', '/customers/1')).steps, []);
  t.same(
    c.plan('2', req('PUT', '/invoices')).steps.map((s) => s.change.description),
    ['invoices'],
  );
  t.same(
    c.plan('2', req('PUT', '/invoices/1/lines')).steps.map((s) => s.change.description),
    ['invoices'],
  );
  t.same(c.plan('2', req('GET', '/other')).steps, []);
});

t.test('error bodies use error_body and status maps walk in reverse', async (t) => {
  const c = chain(
    [
      {
        version: '2',
        changes: [
          {
            description: 'errors are objects and not-found is 404',
            response: [{ type: 'map_status', map: { '400': 404 } }],
            body: [{ type: 'rename', from: '/id', to: '/uid' }],
            error_body: [{ type: 'move', from: '/message', to: '/error/message' }],
          },
        ],
      },
      { version: '1' },
    ] as never,
    '2',
  );
  const plan = c.plan('1', req('GET', '/customers/9'));
  const res = { status: 404, headers: {} };
  const seen = plan.walkResponse(res);
  t.equal(res.status, 400);
  t.ok(plan.transformsResponseBody(seen));
  t.same(
    await runResponseBody(
      plan.responseBody(seen),
      { error: { message: 'no such customer' } },
      { method: 'GET', path: '/', message: 'response' },
    ),
    {
      message: 'no such customer',
    },
  );
  const ok = { status: 200, headers: {} };
  const okSeen = plan.walkResponse(ok);
  t.same(await runResponseBody(plan.responseBody(okSeen), { uid: 1 }, { method: 'GET', path: '/', message: 'response' }), { id: 1 });
});

t.test('removed endpoints are rejected with the configured status in both directions', async (t) => {
  const c = chain(
    [
      { version: '2', changes: [{ description: 'export removed', endpoints: ['GET /export'], removed: { status: 410 } }] },
      { version: '1' },
    ] as never,
    '1',
  );
  t.match(c.plan('2', req('GET', '/export')).rejected, { status: 410, change: { description: 'export removed' } });
  t.equal(c.plan('2', req('GET', '/other')).rejected, undefined);
  t.equal(c.plan('1', req('GET', '/export')).rejected, undefined, 'same version: nothing crossed');
});

t.test('compile problems carry config paths', async (t) => {
  t.throws(
    () =>
      chain(
        [
          { version: '2', changes: [{ description: 'bad', endpoints: ['GETT'], body: [{ type: 'rename', from: '/a', to: '/b/c' }] }] },
          { version: '2' },
        ] as never,
        '3',
      ),
    /versions\[1\]\.version.*listed twice|upstream\.version/s,
  );
  try {
    chain(
      [
        { version: '2', changes: [{ description: 'bad', endpoints: ['GETT'], body: [{ type: 'rename', from: '/a', to: '/b/c' }] }] },
        { version: '1', changes: [{ description: 'x' }] },
      ] as never,
      '1',
    );
    t.fail('should throw');
  } catch (err) {
    const msg = (err as Error).message;
    t.match(msg, /versions\[0\]\.changes\[0\]\.endpoints\[0\]/);
    t.match(msg, /versions\[0\]\.changes\[0\]\.body\[0\]\.to/);
    t.match(msg, /versions\[1\]\.changes.*oldest version/);
  }
});
