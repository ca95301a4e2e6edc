/**
 * The endpoint's pool speaks HTTP/1.1 to the upstream even when the upstream offers HTTP/2 over
 * TLS (undici 8 negotiates h2 by default): the proxy's hop-by-hop handling, connection reuse
 * accounting and header rewrites are HTTP/1.1's.
 */
import { makePki } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { client, get, startProxy } from '../fixtures/proxy.js';

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
