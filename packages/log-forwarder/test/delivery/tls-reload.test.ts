/**
 * TLS files replaced on disk are used by the next connection, without a restart: a rotated client
 * certificate over HTTPS (the HTTP sinks' transport) and a rotated CA file over TLS (syslog and
 * socket sinks), against real Node TLS servers.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { makePki } from '@outrigger/runtime/testing';
import t from 'tap';
import { HttpClient } from '../../src/delivery/http-client.js';
import { StreamTransport } from '../../src/delivery/stream-transport.js';
import { makeContext, until } from './fixtures/batches.js';

const ctx = await makeContext();
t.teardown(() => ctx.cleanup());
const pki = await makePki(join(ctx.dir, 'pki'));
const otherPki = await makePki(join(ctx.dir, 'other'));

/** Replaces a file the way a Secret update lands: the new file renamed into place. */
async function replace(from: string, to: string): Promise<void> {
  await copyFile(from, `${to}.new`);
  await rename(`${to}.new`, to);
}

t.test('https: a rotated client certificate is presented by the next request', async (t) => {
  const server = createHttpsServer(
    {
      cert: await readFile(pki.serverCert),
      key: await readFile(pki.serverKey),
      ca: await readFile(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => res.end((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  await copyFile(pki.clientA.cert, join(ctx.dir, 'tls.crt'));
  await copyFile(pki.clientA.key, join(ctx.dir, 'tls.key'));
  const client = new HttpClient({
    endpoint: new URL(`https://localhost:${port}/`),
    tls: { ca_file: pki.caCert, cert_file: 'tls.crt', key_file: 'tls.key', verify: true, min_version: 'TLSv1.2' },
    resolvePath: ctx.resolvePath,
    logger: ctx.logger,
    connections: 1,
  });
  t.teardown(() => client.close());
  const get = async () => (await client.send({ method: 'GET', path: '/', signal: AbortSignal.timeout(5000) })).body;
  t.equal(await get(), 'client-a');
  await replace(pki.clientB.key, join(ctx.dir, 'tls.key'));
  await replace(pki.clientB.cert, join(ctx.dir, 'tls.crt'));
  await until(() => ctx.logs.some((l) => l.msg === 'tls files reloaded; new connections use them'), 'the reload');
  // The pooled keep-alive connection was made with client-a; the next request gets a new pool.
  t.equal(await get(), 'client-b', 'the new certificate, without a restart');
});

t.test('tls stream: a CA file replaced on disk is trusted by the next connection', async (t) => {
  const server = createTlsServer({ cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) }, (socket) => socket.resume());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  // Starts with the wrong CA: the server's certificate is refused.
  await copyFile(otherPki.caCert, join(ctx.dir, 'ca.pem'));
  const transport = new StreamTransport({
    protocol: 'tls',
    host: '127.0.0.1',
    port,
    tls: { ca_file: 'ca.pem', servername: 'localhost', verify: true, min_version: 'TLSv1.2' },
    resolvePath: ctx.resolvePath,
    logger: ctx.logger,
  });
  t.teardown(() => transport.close());
  await t.rejects(transport.connect(AbortSignal.timeout(5000)), /TLS verification failed .*unknown CA/);
  const reloads = () => ctx.logs.filter((l) => l.msg === 'tls files reloaded; new connections use them').length;
  const before = reloads();
  await replace(pki.caCert, join(ctx.dir, 'ca.pem'));
  await until(() => reloads() > before, 'the reload');
  await transport.connect(AbortSignal.timeout(5000));
  t.ok(transport.connected, 'connected, without a restart');
});
