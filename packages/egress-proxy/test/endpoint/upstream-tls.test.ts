/**
 * The pool over TLS against a local Node HTTPS server with the test CA: verification on (an
 * unknown CA or a wrong name is a connect failure), SNI, keep-alive reuse, and session
 * resumption on a new connection (one session cache per generation of the TLS files).
 */
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { TlsFiles } from '@outrigger/runtime';
import { makePki } from '@outrigger/runtime/testing';
import t from 'tap';
import { Endpoint } from '../../src/endpoint/endpoint.js';
import { tempDir } from '../fixtures/ports.js';
import { send } from '../fixtures/raw-upstream.js';

const pki = await makePki(await tempDir(t, 'egress-proxy-pki-'));
const { readFile } = await import('node:fs/promises');
const seen: { servername: string | false | null; resumed: boolean; socket: TLSSocket }[] = [];
const server = createServer(
  { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey), keepAliveTimeout: 60_000 },
  (req, res) => {
    const socket = req.socket as TLSSocket;
    seen.push({ servername: socket.servername, resumed: socket.isSessionReused(), socket });
    res.end(req.url === '/close' ? 'bye' : 'secure');
  },
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
server.on('connection', (s) => t.teardown(() => s.destroy()));
const port = (server.address() as { port: number }).port;

function endpoint(tls: TlsFiles, host = 'localhost'): Endpoint {
  const e = new Endpoint(new URL(`https://${host}:${port}`), `${host}:${port}`, {
    connectTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
    maxConnections: 4,
    tls,
  });
  t.teardown(() => e.destroy());
  return e;
}

function files(config: Record<string, unknown> | undefined): TlsFiles {
  const f = new TlsFiles(config as never);
  t.teardown(() => f.close());
  return f;
}

t.test('with the test CA: verified, SNI sent, the connection reused, the session resumed later', async (t) => {
  const e = endpoint(files({ ca_file: pki.caCert }));
  const first = await send(e.pool, { headers: ['host', 'localhost'] });
  t.equal(first.error, undefined);
  t.equal(first.body.toString(), 'secure');
  const second = await send(e.pool, { headers: ['host', 'localhost'] });
  t.equal(second.controller.reused, true, 'the TLS connection is kept');
  t.equal(seen.at(-1)?.socket, seen.at(-2)?.socket, 'one connection');
  t.equal(seen.at(-1)?.servername, 'localhost', 'SNI is the host name');
  // The server closes this one; the next connection resumes the cached session.
  const closing = await send(e.pool, { path: '/close', headers: ['host', 'localhost', 'connection', 'close'] });
  t.equal(closing.body.toString(), 'bye');
  const fresh = await send(e.pool, { headers: ['host', 'localhost'] });
  t.equal(fresh.controller.reused, false, 'a new connection');
  t.equal(seen.at(-1)?.resumed, true, 'its TLS session resumed');
});

t.test('verification is on: an unknown CA or a name the certificate lacks is a connect failure', async (t) => {
  const unknown = await send(endpoint(files(undefined)).pool, { headers: ['host', 'localhost'] });
  t.ok(unknown.error, 'system CAs do not know the test CA');
  t.equal(unknown.started, false, 'never got a connection');
  const wrong = await send(endpoint(files({ ca_file: pki.caCert, servername: 'wrong.example' })).pool, { headers: ['host', 'x'] });
  t.match(wrong.error?.message, /wrong\.example/, 'the certificate is checked against servername');
  t.equal(wrong.started, false);
});

t.test('an address as host: no SNI, the certificate verified against the address', async (t) => {
  const res = await send(endpoint(files({ ca_file: pki.caCert }), '127.0.0.1').pool, { headers: ['host', '127.0.0.1'] });
  t.equal(res.error, undefined);
  t.notOk(seen.at(-1)?.servername, 'no SNI for an address');
});
