/**
 * TLS origination against nginx with a test CA (acceptance 7): unknown CA, self-signed and
 * wrong-name certificates → 502; with ca_file → works; SNI/servername; minimum TLS version;
 * a client certificate replaced on disk is used for new connections without a restart.
 */
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makePki, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { client, get, startProxy } from '../fixtures/proxy.js';

const pki = await makePki(await tempDir(t, 'egress-proxy-pki-'));
const good = await startNginx(t, { tls: { cert: pki.serverCert, key: pki.serverKey } });
const selfSigned = await startNginx(t, { tls: { cert: pki.selfSignedCert, key: pki.selfSignedKey } });
const wrongName = await startNginx(t, { tls: { cert: pki.wrongNameCert, key: pki.wrongNameKey } });
const tls12 = await startNginx(t, { tls: { cert: pki.serverCert, key: pki.serverKey }, http: 'ssl_protocols TLSv1.2;' });
const mtls = await startNginx(t, { tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert } });

const certDir = await tempDir(t);
const clientCert = join(certDir, 'tls.crt');
const clientKey = join(certDir, 'tls.key');
await copyFile(pki.clientA.cert, clientCert);
await copyFile(pki.clientA.key, clientKey);

const route = (name: string) => ({ name, match: { path_prefix: `/${name}/` }, cluster: name, strip_prefix: true });
const proxy = await startProxy(t, {
  routes: ['system', 'good', 'self', 'wrong', 'sni', 'tls13', 'mtls'].map(route),
  clusters: {
    system: { endpoints: [good.url] },
    good: { endpoints: [good.url], tls: { ca_file: pki.caCert } },
    self: { endpoints: [selfSigned.url], tls: { ca_file: pki.caCert } },
    wrong: { endpoints: [wrongName.url], tls: { ca_file: pki.caCert } },
    sni: { endpoints: [wrongName.url], tls: { ca_file: pki.caCert, servername: 'wrong.example' } },
    tls13: { endpoints: [tls12.url], tls: { ca_file: pki.caCert, min_version: 'TLSv1.3' } },
    mtls: {
      endpoints: [mtls.url],
      idle_timeout_ms: 200,
      tls: { ca_file: pki.caCert, cert_file: clientCert, key_file: clientKey },
    },
  },
});
const agent = client(t);

t.test('verification is on by default: unknown CA, self-signed, wrong name → 502', async (t) => {
  for (const name of ['system', 'self', 'wrong']) {
    const res = await get(agent, `${proxy.url}/${name}/ok`);
    t.equal(res.status, 502, name);
    t.match(res.headers['x-outrigger-flags'], /\bUF\b/, `${name}: a connect failure`);
    t.match(JSON.parse(res.body), { error: { code: 'OUTRIGGER_E_UPSTREAM_CONNECT' } });
  }
});

t.test('with ca_file the upstream is trusted; servername sets SNI and the verified name', async (t) => {
  t.equal((await get(agent, `${proxy.url}/good/ok`)).body, 'ok');
  t.equal((await get(agent, `${proxy.url}/sni/ok`)).body, 'ok');
});

t.test('min_version TLSv1.3 refuses a TLSv1.2-only upstream', async (t) => {
  t.equal((await get(agent, `${proxy.url}/tls13/ok`)).status, 502);
});

t.test('mTLS: a client certificate replaced on disk is used for new connections', async (t) => {
  const first = await get(agent, `${proxy.url}/mtls/headers`);
  t.match(first.body, /ssl-client=CN=client-a/);
  // Replace both files the way a Secret update lands: new files renamed into place.
  await copyFile(pki.clientB.cert, `${clientCert}.new`);
  await copyFile(pki.clientB.key, `${clientKey}.new`);
  await rename(`${clientKey}.new`, clientKey);
  await rename(`${clientCert}.new`, clientCert);
  await proxy.sidecar.waitForLog((l) => l.msg === 'tls files reloaded; new connections use them');
  // The pooled connection made with client-a closes after 200 ms idle; the next one uses client-b.
  await waitFor(async () => /ssl-client=CN=client-b/.test((await get(agent, `${proxy.url}/mtls/headers`)).body), {
    what: 'a new connection with client-b',
    // Slower than the idle timeout, so the old connection can close between polls.
    intervalMs: 400,
  });
  t.pass('client-b used without a restart');
  t.equal(proxy.sidecar.child.exitCode, null, 'same process');
});

t.test('not ready while the TLS files are unusable; ready once they are good', async (t) => {
  const dir = await tempDir(t);
  const ca = join(dir, 'ca.pem');
  // A missing file is a config error (the file check); a half-written one is only unusable.
  await writeFile(ca, '-----BEGIN CERTIFICATE-----\nnot yet\n');
  const late = await startProxy(
    t,
    {
      routes: [route('late')],
      clusters: { late: { endpoints: [good.url], tls: { ca_file: ca } } },
    },
    { waitReady: false },
  );
  const before = await fetch(`${late.sidecar.adminUrl}/readyz`);
  t.equal(before.status, 503);
  t.match(await before.text(), /cluster late: tls/);
  await copyFile(pki.caCert, ca);
  await late.sidecar.waitReady();
  t.equal((await get(agent, `${late.url}/late/ok`)).body, 'ok');
});
