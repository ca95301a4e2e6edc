/**
 * The endpoint's pool through the proxy (a child process): HTTP/1.1 to the upstream even when it
 * offers HTTP/2 over TLS (hop-by-hop handling, connection reuse accounting and header rewrites
 * are HTTP/1.1's); a malformed upstream response → 502 with its flag; a large response to an app
 * that reads slowly arrives intact (the pool's reused read buffers under backpressure).
 */
import { get as httpGet } from 'node:http';
import { makePki, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { client, get, startProxy } from '../fixtures/proxy.js';
import { startRawUpstream } from '../fixtures/raw-upstream.js';
import { startServer } from '../fixtures/upstream.js';

const pki = await makePki(await tempDir(t, 'egress-proxy-pki-'));
const h2 = await startNginx(t, {
  tls: { cert: pki.serverCert, key: pki.serverKey },
  http2: true,
  locations: 'location / { default_type text/plain; return 200 "$server_protocol"; }',
});

t.test('an upstream offering h2 is spoken to in HTTP/1.1', async (t) => {
  const proxy = await startProxy(t, {
    routes: [{ name: 'h2', match: { path_prefix: '/h2/' }, cluster: 'h2', strip_prefix: true }],
    clusters: { h2: { endpoints: [h2.url], tls: { ca_file: pki.caCert } } },
  });
  const res = await get(client(t), `${proxy.url}/h2/protocol`);
  t.equal(res.status, 200);
  t.equal(res.body, 'HTTP/1.1');
});

t.test('a malformed upstream response (two Content-Lengths) → 502 UR, not passed on', async (t) => {
  const bad = await startRawUpstream(t, (c) => c.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 20\r\n\r\nok'));
  const proxy = await startProxy(t, {
    routes: [{ name: 'bad', match: { path_prefix: '/' }, cluster: 'bad', retry: { attempts: 0 } }],
    clusters: { bad: { endpoints: [bad.url] } },
  });
  const res = await get(client(t), `${proxy.url}/x`);
  t.equal(res.status, 502);
  t.match(res.headers['x-outrigger-flags'], /\bUR\b/);
  t.match(JSON.parse(res.body), { error: { code: 'OUTRIGGER_E_UPSTREAM_RESET' } });
});

t.test('a 32 MiB response to an app that stops reading: backpressure to the upstream, every byte intact', async (t) => {
  const size = 32 * 1024 * 1024;
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 7 + (i >> 13)) % 251;
  let upstreamRes: import('node:http').ServerResponse | undefined;
  const upstream = await startServer(t, (_req, res) => {
    upstreamRes = res;
    res.writeHead(200, { 'content-length': String(size) });
    res.end(body);
  });
  const proxy = await startProxy(t, {
    routes: [{ name: 'big', match: { path_prefix: '/' }, cluster: 'big' }],
    clusters: { big: { endpoints: [upstream.url] } },
  });
  const received = await new Promise<Buffer>((resolve, reject) => {
    httpGet(`${proxy.url}/big`, (res) => {
      res.pause();
      // The proxy stops reading the upstream while the app does not read: the upstream backs up.
      waitFor(() => upstreamRes !== undefined && upstreamRes.writableLength > 0 && !upstreamRes.writableFinished, {
        what: 'the upstream to be held back',
      })
        .then(() => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.resume();
        })
        .catch(reject);
    }).on('error', reject);
  });
  t.equal(received.length, size);
  t.ok(received.equals(body), 'every byte as the upstream sent it');
});
