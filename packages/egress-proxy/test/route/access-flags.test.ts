/**
 * The access line blames the side that failed: an upstream reset mid-response is UR (not UR,DC:
 * the app did not close anything), and a request the listener refused for its body's framing
 * keeps the status it was answered with (and counts in that status class).
 */
import { createConnection } from 'node:net';
import t from 'tap';
import { startProxy } from '../fixtures/proxy.js';
import { rawExchange } from '../fixtures/raw.js';
import { startServer } from '../fixtures/upstream.js';

const cut = await startServer(t, (_req, res) => {
  res.writeHead(200, { 'content-length': '100000' });
  res.write('x'.repeat(1000), () => res.socket?.destroy());
});
const sink = await startServer(t, (req, res) => {
  req.on('error', () => {});
  req.resume();
  req.on('end', () => res.end('ok'));
});
const proxy = await startProxy(t, {
  listener: { access_log: true },
  routes: [
    { name: 'cut', match: { path_prefix: '/cut' }, cluster: 'cut' },
    { name: 'sink', match: { path_prefix: '/sink' }, cluster: 'sink' },
  ],
  clusters: { cut: { endpoints: [cut.url] }, sink: { endpoints: [sink.url] } },
});

t.test('an upstream reset mid-response: flagged UR, not DC', async (t) => {
  await new Promise<void>((resolve) => {
    const s = createConnection({ port: proxy.port, host: '127.0.0.1' }, () => s.write('GET /cut HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'access' && l.route === 'cut');
  t.equal(line.status, 200, 'the status the app got');
  t.match(String(line.flags), /UR/);
  t.notMatch(String(line.flags), /DC/, 'the app did not close first');
});

t.test('a chunked body with broken framing: the 400 the app got is what the access line says', async (t) => {
  const res = await rawExchange(proxy.port, 'POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\n');
  t.match(res.text, /^HTTP\/1\.1 400 /);
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'access' && l.route === 'sink');
  t.equal(line.status, 400);
  t.notMatch(String(line.flags), /DC/);
});
