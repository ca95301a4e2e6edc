import t from 'tap';
import { acceptableRequestId, downstreamResponseHeaders, upstreamRequestHeaders } from '../../src/listener/hygiene.js';
import { HeaderRewriter } from '../../src/route/rewrite.js';

const none = new HeaderRewriter(undefined);
const base = {
  host: 'pay.example.com',
  requestIdHeader: 'x-request-id',
  requestId: 'rid-1',
  via: true,
  forwarded: 'none' as const,
  clientAddress: '10.0.0.7',
  originalHost: 'localhost:4140',
  rewriter: none,
  credential: undefined,
};

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!.toLowerCase(), flat[i + 1]!]);
  return out;
}

t.test('header names with `_` are dropped when asked', async (t) => {
  const raw = ['Host', 'x', 'X_Foo', 'a', 'Transfer_Encoding', 'chunked', 'X-Bar', 'b'];
  const dropped = pairs(upstreamRequestHeaders(raw, { ...base, dropUnderscores: true })).map(([n]) => n);
  t.notOk(dropped.includes('x_foo') || dropped.includes('transfer_encoding'));
  t.ok(dropped.includes('x-bar'));
  const kept = pairs(upstreamRequestHeaders(raw, base)).map(([n]) => n);
  t.ok(kept.includes('x_foo'));
});

t.test('hop-by-hop headers and those named in Connection are removed; Via added; trace context kept', async (t) => {
  const raw = [
    'Host',
    'localhost:4140',
    'Connection',
    'keep-alive, X-Foo',
    'X-Foo',
    'secret-hop',
    'Keep-Alive',
    'timeout=5',
    'TE',
    'trailers',
    'Proxy-Authorization',
    'Basic Zm9v',
    'Transfer-Encoding',
    'chunked',
    'Upgrade',
    'websocket',
    'Expect',
    '100-continue',
    'traceparent',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'tracestate',
    'a=b',
    'Via',
    '1.0 app',
    'X-Forwarded-For',
    '1.2.3.4',
    'Accept',
    'application/json',
  ];
  const out = pairs(upstreamRequestHeaders(raw, base));
  const names = out.map(([n]) => n);
  for (const hop of ['connection', 'x-foo', 'keep-alive', 'te', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'expect']) {
    t.notOk(names.includes(hop), `${hop} removed`);
  }
  t.same(
    out.filter(([n]) => n === 'host'),
    [['host', 'pay.example.com']],
    'one Host: the upstream one',
  );
  t.ok(out.some(([n, v]) => n === 'traceparent' && v.startsWith('00-4bf9')));
  t.ok(out.some(([n, v]) => n === 'tracestate' && v === 'a=b'));
  t.ok(out.some(([n, v]) => n === 'via' && v === '1.0 app, 1.1 outrigger'));
  t.notOk(names.includes('x-forwarded-for'), 'forwarded: none drops the app-side chain too');
  t.ok(out.some(([n, v]) => n === 'x-request-id' && v === 'rid-1'));
  t.ok(out.some(([n]) => n === 'accept'));
});

t.test('X-Forwarded-* and Forwarded per route', async (t) => {
  const raw = ['X-Forwarded-For', '1.2.3.4'];
  const xf = pairs(upstreamRequestHeaders(raw, { ...base, forwarded: 'x-forwarded' }));
  t.ok(xf.some(([n, v]) => n === 'x-forwarded-for' && v === '1.2.3.4, 10.0.0.7'));
  t.ok(xf.some(([n, v]) => n === 'x-forwarded-host' && v === 'localhost:4140'));
  t.ok(xf.some(([n, v]) => n === 'x-forwarded-proto' && v === 'http'));
  const fw = pairs(upstreamRequestHeaders([], { ...base, forwarded: 'forwarded', clientAddress: '::1' }));
  t.same(
    fw.find(([n]) => n === 'forwarded'),
    ['forwarded', 'for="[::1]";proto=http;host="localhost:4140"'],
  );
});

t.test('credentials replace the app value; header rewrites apply', async (t) => {
  const rewriter = new HeaderRewriter({ set: { 'x-team': 'checkout' }, add: {}, remove: ['x-debug'] });
  const raw = ['Authorization', 'Bearer app', 'X-Debug', '1', 'X-Team', 'app'];
  const out = pairs(upstreamRequestHeaders(raw, { ...base, rewriter, credential: { name: 'authorization', value: 'Bearer file' } }));
  t.same(
    out.filter(([n]) => n === 'authorization'),
    [['authorization', 'Bearer file']],
  );
  t.same(
    out.filter(([n]) => n === 'x-team'),
    [['x-team', 'checkout']],
  );
  t.notOk(out.some(([n]) => n === 'x-debug'));
});

t.test('response headers: hop-by-hop out, Via in, rewrites', async (t) => {
  const upstream = [
    'connection',
    'x-hop',
    'set-cookie',
    'a=1',
    'x-hop',
    '1',
    'via',
    '1.1 cdn',
    'keep-alive',
    'timeout=5',
    'transfer-encoding',
    'chunked',
    'set-cookie',
    'b=2',
    'server',
    'up',
    'x-team',
    'old',
  ];
  const rewriter = new HeaderRewriter({ set: { 'x-team': 'new' }, add: { 'x-added': 'y' }, remove: ['server'] });
  t.same(downstreamResponseHeaders(upstream, rewriter, true), [
    'set-cookie',
    'a=1',
    'set-cookie',
    'b=2',
    'via',
    '1.1 cdn, 1.1 outrigger',
    'x-team',
    'new',
    'x-added',
    'y',
  ]);
  t.same(
    downstreamResponseHeaders(['via', '1.1 cdn', 'date', 'd'], new HeaderRewriter(undefined), false),
    ['via', '1.1 cdn', 'date', 'd'],
    'without via: the upstream Via passes as it is',
  );
});

t.test('request ids', async (t) => {
  t.equal(acceptableRequestId('abc-123'), 'abc-123');
  t.equal(acceptableRequestId('has space'), undefined);
  t.equal(acceptableRequestId('x'.repeat(201)), undefined);
  t.equal(acceptableRequestId(['a', 'b']), undefined);
});
