/**
 * RFC 9112 request hygiene through a real socket, the proxy as a child process (defects 2, 3, 7
 * of part 2): trailing bytes after a request, HTTP/0.9, Host, underscores, 414, 417 and the
 * framing the listener's request parser refuses (its one source of truth: request-parser.ts).
 */
import t from 'tap';
import { startProxy } from '../fixtures/proxy.js';
import { rawExchange } from '../fixtures/raw.js';
import { readBody, startServer } from '../fixtures/upstream.js';

const upstream = await startServer(t, (req, res) => {
  void readBody(req).then((body) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`${req.method} ${req.url} body=${body.length} x_foo=${req.headers.x_foo ?? ''}`);
  });
});
const config = (listener: Record<string, unknown> = {}) => ({
  listener: { max_header_bytes: 16384, ...listener },
  routes: [{ name: 'up', match: { path_prefix: '/' }, cluster: 'up' }],
  clusters: { up: { endpoints: [upstream.url] } },
});
const proxy = await startProxy(t, config());

/** Status line of a raw answer. */
const status = (text: string) => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];

t.test('defect 2: bytes after a `Connection: close` request → that request answered, closed, logged', async (t) => {
  const before = upstream.count;
  const res = await rawExchange(proxy.port, 'GET /after-close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /?k=SECRET');
  t.equal(status(res.text), '200', "the upstream's answer, not a 400");
  t.match(res.text, /GET \/after-close body=0/);
  t.ok(res.closed, 'connection closed');
  t.equal(upstream.count - before, 1);
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'trailing bytes after a request ignored');
  t.match(line, { reason: /closes the connection/ });
  t.equal(line.trailing_bytes, 14, 'the ignored bytes are counted');
  t.notMatch(JSON.stringify(line), /SECRET/, 'not logged: they may carry a secret');
});

t.test('defect 2: bytes after a body → the request answered, the rest ignored, connection closed', async (t) => {
  const res = await rawExchange(proxy.port, 'POST /after-body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloEXTRA-garbage\r\n');
  t.equal(status(res.text), '200');
  t.match(res.text, /POST \/after-body body=5/);
  t.notMatch(res.text, /HTTP\/1\.1 400/, 'no second answer');
  t.ok(res.closed);
});

t.test('defect 3: an HTTP/0.9 request line is refused, nothing upstream', async (t) => {
  const before = upstream.count;
  const res = await rawExchange(proxy.port, 'GET /zero-nine\r\n\r\n');
  t.equal(status(res.text), '400');
  t.match(res.text, /OUTRIGGER_E_BAD_REQUEST/);
  t.ok(res.closed);
  t.equal(upstream.count, before);
});

t.test('defect 3: duplicate, empty or malformed Host → 400, nothing upstream', async (t) => {
  const before = upstream.count;
  for (const hosts of [['a', 'b'], [''], ['user@x'], ['x/path'], ['a, b'], ['x:80:80'], ['x y']]) {
    const head = hosts.map((h) => `Host: ${h}\r\n`).join('');
    const res = await rawExchange(proxy.port, `GET /host HTTP/1.1\r\n${head}Connection: close\r\n\r\n`);
    t.equal(status(res.text), '400', JSON.stringify(hosts));
    t.match(res.text, /Host/);
  }
  t.equal(upstream.count, before);
  const ok = await rawExchange(proxy.port, 'GET /host HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n');
  t.equal(status(ok.text), '200', 'an IPv6 literal with a port is fine');
});

t.test('defect 3: header names with `_` are dropped by default; `underscore_headers: pass` keeps them', async (t) => {
  const req = 'GET /u HTTP/1.1\r\nHost: x\r\nX_Foo: smuggled\r\nConnection: close\r\n\r\n';
  const dropped = await rawExchange(proxy.port, req);
  t.match(dropped.text, /x_foo=$/);
  const passing = await startProxy(t, config({ underscore_headers: 'pass' }));
  t.match((await rawExchange(passing.port, req)).text, /x_foo=smuggled$/);
  const rejecting = await startProxy(t, config({ underscore_headers: 'reject' }));
  t.equal(status((await rawExchange(rejecting.port, req)).text), '400');
});

t.test('defect 3: an over-long request line → 414, not 431', async (t) => {
  const long = await rawExchange(proxy.port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.equal(status(long.text), '414', 'over max_request_line_bytes (8192)');
  t.match(long.text, /OUTRIGGER_E_URI_TOO_LONG/);
  const huge = await rawExchange(proxy.port, `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.equal(status(huge.text), '414', 'over max_header_bytes too');
  const headers = await rawExchange(proxy.port, `GET /h HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  t.equal(status(headers.text), '431', 'big headers stay 431');
});

t.test('defect 3: an Expect other than 100-continue → 417, nothing upstream', async (t) => {
  const before = upstream.count;
  for (const expect of ['100-continue, foo', 'foo', '100-continue-please']) {
    const res = await rawExchange(
      proxy.port,
      `PUT /e HTTP/1.1\r\nHost: x\r\nExpect: ${expect}\r\nContent-Length: 1\r\nConnection: close\r\n\r\n`,
      2000,
    );
    t.equal(status(res.text), '417', expect);
    t.notMatch(res.text, /^HTTP\/1\.1 100/, 'no 100 Continue');
    t.match(res.text, /OUTRIGGER_E_EXPECTATION_FAILED/);
  }
  t.equal(upstream.count, before);
  const ok = await rawExchange(
    proxy.port,
    'PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\nConnection: close\r\n\r\n',
    2000,
  );
  t.match(ok.text, /^HTTP\/1\.1 100 Continue/, 'a real 100-continue still gets its 100');
});

t.test('defect 7: framing is refused by the request parser: CL+TE, duplicate or invalid CL, obs-fold → 400', async (t) => {
  const before = upstream.count;
  for (const head of [
    'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n',
    'Content-Length: 5\r\nContent-Length: 6\r\n',
    'Content-Length: 5, 6\r\n',
    'Content-Length: abc\r\n',
    'X-Folded: a\r\n b\r\n',
    'Transfer-Encoding: chunked, identity\r\n',
  ]) {
    const res = await rawExchange(proxy.port, `POST /f HTTP/1.1\r\nHost: x\r\n${head}\r\n0\r\n\r\n`);
    t.equal(status(res.text), '400', JSON.stringify(head));
    t.ok(res.closed);
  }
  t.equal(upstream.count, before, 'none reached the upstream');
});

t.test("the listener's own refusals carry a Date, like every other response (RFC 9110 §6.6.1)", async (t) => {
  const res = await rawExchange(proxy.port, 'GET /no-version\r\n\r\n');
  t.equal(status(res.text), '400');
  t.match(res.text, /\r\ndate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
});
