/**
 * Defect 4: a client that stops sending its body is the client's fault — 408 with flag DT and
 * its own metric — not a 504 "fix the upstream". An upstream that stops reading stays a 504.
 */
import { parsePrometheusText } from '@outrigger/runtime/testing';
import t from 'tap';
import { startProxy } from '../fixtures/proxy.js';
import { rawExchange } from '../fixtures/raw.js';
import { readBody, startServer } from '../fixtures/upstream.js';

const reading = await startServer(t, (req, res) => {
  readBody(req).then(
    () => res.end('read it all'),
    () => {},
  );
});
const stalled: import('node:http').IncomingMessage[] = [];
const notReading = await startServer(t, (req) => {
  req.pause(); // reads nothing, answers nothing
  stalled.push(req);
});
const proxy = await startProxy(t, {
  routes: [
    { name: 'reading', match: { path_prefix: '/reading/' }, cluster: 'reading', timeout_ms: 1000 },
    { name: 'stalled', match: { path_prefix: '/stalled/' }, cluster: 'stalled', timeout_ms: 1000 },
  ],
  clusters: { reading: { endpoints: [reading.url] }, stalled: { endpoints: [notReading.url] } },
});

t.test('a body that stops arriving mid-way → 408, flag DT, counted', async (t) => {
  const res = await rawExchange(proxy.port, `PUT /reading/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n${'a'.repeat(10)}`);
  t.match(res.text, /^HTTP\/1\.1 408 /);
  t.match(res.text, /x-outrigger-flags: DT\r\n/);
  t.match(res.text, /OUTRIGGER_E_CLIENT_TIMEOUT/);
  t.ok(res.closed, 'the connection is closed (the rest of the body would be garbage)');
  const metrics = parsePrometheusText(await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text());
  t.equal(metrics.get('outrigger_egress_proxy_client_timeouts_total')?.samples[0]?.value, 1);
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'access' && l.status === 408);
  t.match(line, { flags: 'DT', route: 'reading' });
});

t.test('an upstream that stops reading a body the client sent whole → 504 UT', async (t) => {
  const body = 'b'.repeat(4 * 1024 * 1024);
  const res = await rawExchange(proxy.port, `PUT /stalled/x HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  t.match(res.text, /^HTTP\/1\.1 504 /);
  t.match(res.text, /x-outrigger-flags: UT\r\n/);
});
