/**
 * The listener against a real nginx upstream, the proxy as a child process:
 * acceptance 9 (smuggling → 400, nothing upstream), 10 (hop-by-hop, Via, traceparent),
 * 13 (garbage, oversized headers, slow client; everyone else still served), plus 404/431/request ids.
 */
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { client, get, startProxy } from '../fixtures/proxy.js';
import { rawExchange, rawSocket } from '../fixtures/raw.js';

const nginx = await startNginx(t);
const proxy = await startProxy(t, {
  listener: { max_header_bytes: 4096, headers_timeout_ms: 1000 },
  routes: [{ name: 'nginx', match: { path_prefix: '/n/' }, cluster: 'nginx', strip_prefix: true }],
  clusters: { nginx: { endpoints: [nginx.url] } },
});
const agent = client(t);

t.test('a request passes, with a request id generated or passed on', async (t) => {
  const res = await get(agent, `${proxy.url}/n/headers`, { headers: { 'x-request-id': 'app-id-1' } });
  t.equal(res.status, 200);
  t.match(res.body, /x-request-id=app-id-1\|/);
  t.match(res.body, /host=127\.0\.0\.1:\d+\|/, 'Host is the endpoint');
  t.match(res.body, /uri=\/headers\|/, 'prefix stripped');
  t.equal(res.headers.via, '1.1 outrigger');
  const generated = await get(agent, `${proxy.url}/n/headers`);
  t.match(generated.body, /x-request-id=[0-9a-f-]{36}\|/);
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'access' && l.request_id === 'app-id-1');
  t.match(line, { route: 'nginx', cluster: 'nginx', status: 200, method: 'GET', path: '/n/headers', tries: 1 });
});

t.test('10: hop-by-hop headers absent upstream, Via present, traceparent preserved', async (t) => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await rawExchange(
    proxy.port,
    'GET /n/headers HTTP/1.1\r\nHost: localhost\r\nConnection: x-foo, close\r\nx-foo: hop\r\nKeep-Alive: timeout=9\r\n' +
      `TE: trailers\r\nProxy-Authorization: Basic c2VjcmV0\r\ntraceparent: ${traceparent}\r\ntracestate: vendor=1\r\n\r\n`,
  );
  t.match(res.text, /^HTTP\/1\.1 200 /);
  const body = res.text.slice(res.text.indexOf('\r\n\r\n') + 4);
  t.match(body, /x-foo=\|/, 'x-foo (named in Connection) removed');
  t.match(body, /keep-alive=\|/, 'Keep-Alive removed');
  t.match(body, /te=\|/, 'TE removed');
  t.match(body, /proxy-authorization=\|/, 'Proxy-Authorization removed');
  t.match(body, /via=1\.1 outrigger\|/, 'Via added');
  t.match(body, `traceparent=${traceparent}|`);
  t.match(body, 'tracestate=vendor=1|');
});

t.test('9: CL+TE and differing Content-Length → 400, connection closed, nothing upstream', async (t) => {
  const before = (await nginx.accessLog()).length;
  const smuggle = await rawExchange(
    proxy.port,
    'POST /n/smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /n/second HTTP/1.1\r\nHost: x\r\n\r\n',
  );
  t.match(smuggle.text, /^HTTP\/1\.1 400 /);
  t.ok(smuggle.closed, 'connection closed');
  t.notMatch(smuggle.text, /200 OK/, 'the smuggled request was not served');
  const dup = await rawExchange(proxy.port, 'POST /n/dup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
  t.match(dup.text, /^HTTP\/1\.1 400 /);
  t.ok(dup.closed);
  // A request after both proves the proxy serves; then nginx must have seen only that one.
  t.equal((await get(agent, `${proxy.url}/n/after`)).status, 200);
  await waitFor(async () => (await nginx.accessLog()).length > before, { what: 'nginx access log' });
  const lines = (await nginx.accessLog()).slice(before);
  t.same(lines, ['GET /after 200'], 'only the honest request reached nginx');
});

t.test('13: garbage, oversized headers and a slow client get 4xx or a timeout; others are served', async (t) => {
  const garbage = await rawExchange(proxy.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
  t.match(garbage.text, /^HTTP\/1\.1 400 /);
  t.ok(garbage.closed);
  const big = await rawExchange(proxy.port, `GET /n/ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
  t.match(big.text, /^HTTP\/1\.1 431 /);
  t.match(big.text, /OUTRIGGER_E_HEADERS_TOO_LARGE/);

  const slow = await rawSocket(proxy.port);
  const request = 'GET /n/ok HTTP/1.1\r\nHost: x\r\n\r\n';
  let i = 0;
  const drip = setInterval(() => {
    if (i < request.length && !slow.closed()) slow.socket.write(request[i++] as string);
  }, 400);
  t.teardown(() => {
    clearInterval(drip);
    slow.socket.destroy();
  });
  // While the slow client drips, everyone else is served.
  for (let n = 0; n < 5; n++) t.equal((await get(agent, `${proxy.url}/n/ok`)).status, 200);
  await waitFor(() => slow.closed(), { timeoutMs: 8000, what: 'the slow client to be cut off' });
  clearInterval(drip);
  t.match(slow.received(), /^(HTTP\/1\.1 408 |$)/, 'a 408 or a plain close');
  t.ok(i < request.length, 'cut off before it finished its headers');
  t.equal((await get(agent, `${proxy.url}/n/ok`)).status, 200, 'still serving');
});

t.test('404 with flags for no route', async (t) => {
  const res = await get(agent, `${proxy.url}/nothing-here`);
  t.equal(res.status, 404);
  t.equal(res.headers['x-outrigger-flags'], 'NR');
  t.match(JSON.parse(res.body), { error: { code: 'OUTRIGGER_E_NO_ROUTE', flags: 'NR' } });
  const metrics = await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text();
  t.match(metrics, /outrigger_egress_proxy_requests_total\{route="",cluster="",status_class="4xx"\} [1-9]/);
});
