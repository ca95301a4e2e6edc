import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type ConnectionOptions, connect, createServer, type TLSSocket } from 'node:tls';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { validate } from '../src/config/validate.js';
import { makePki, waitFor } from '../src/testing.js';
import { describeTlsError, TlsFiles, type TlsFilesOptions, TlsSchema, tlsConfigIssues } from '../src/tls.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const pki = await makePki(await tempDir(t));

/** A TLS server on 127.0.0.1 that answers each connection with the client certificate's CN ("-" for none). */
async function server(t: Test, options: { cert: string; key: string; requestCert?: boolean; maxVersion?: 'TLSv1.2' }) {
  const s = createServer(
    {
      cert: await readFile(options.cert),
      key: await readFile(options.key),
      // The CA only to check client certificates (given always, the server would send it in its chain).
      ...(options.requestCert ? { ca: await readFile(pki.caCert) } : {}),
      requestCert: options.requestCert ?? false,
      rejectUnauthorized: options.requestCert ?? false,
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    },
    (socket) => socket.end(`${(socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN ?? '-'}\n`),
  );
  s.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => s.close(resolve)));
  return (s.address() as { port: number }).port;
}

/** Connects with `options` and resolves with what the server said, or rejects with the TLS error. */
function talk(port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...options });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text.trim()));
    socket.on('error', reject);
  });
}

function capture(): { logger: TlsFilesOptions['logger']; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => text };
}

function tls(t: Test, config: ConstructorParameters<typeof TlsFiles>[0], options: TlsFilesOptions = {}): TlsFiles {
  const files = new TlsFiles(config, { debounceMs: 10, pollMs: 0, ...options });
  t.teardown(() => files.close());
  return files;
}

t.test('the schema: one set of names, verify on by default, `format: file` accepted by the validator', async (t) => {
  t.same(Object.keys(TlsSchema.properties), ['ca_file', 'cert_file', 'key_file', 'servername', 'verify', 'min_version']);
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) t.equal(TlsSchema.properties[key].format, 'file', key);
  const ok = validate(TlsSchema, { ca_file: 'ca.pem' });
  t.same(ok.issues, []);
  t.same(ok.value, { ca_file: 'ca.pem', verify: true, min_version: 'TLSv1.2' });
  t.match(validate(TlsSchema, { server_name: 'x' }).issues, [{ path: 'server_name' }], 'the old name is refused');
  t.match(validate(TlsSchema, { min_version: 'TLSv1.1' }).issues, [{ path: 'min_version' }]);
  t.same(tlsConfigIssues({ cert_file: 'c.pem', verify: true, min_version: 'TLSv1.2' }, 'sinks.x.tls'), [
    { path: 'sinks.x.tls', message: 'cert_file and key_file go together' },
  ]);
  t.same(tlsConfigIssues({ cert_file: 'c', key_file: 'k', verify: true, min_version: 'TLSv1.2' }, 'p'), []);
  t.same(tlsConfigIssues(undefined, 'p'), []);
});

t.test('connection options: files, verification, servername, minimum version, SNI from the host', async (t) => {
  const files = tls(
    t,
    { ca_file: 'ca.crt', cert_file: 'client-a.crt', key_file: 'client-a.key', verify: true, min_version: 'TLSv1.3' },
    { resolvePath: (p) => join(pki.dir, p) },
  );
  await files.ready();
  t.equal(files.error, undefined);
  t.equal(files.generation, 1);
  const opts = files.connectionOptions('logs.example');
  t.same(opts.ca, await readFile(pki.caCert));
  t.same(opts.cert, await readFile(pki.clientA.cert));
  t.same(opts.key, await readFile(pki.clientA.key));
  t.equal(opts.rejectUnauthorized, true);
  t.equal(opts.minVersion, 'TLSv1.3');
  t.equal(opts.servername, 'logs.example', 'SNI: the host');
  t.equal(files.connectionOptions('10.0.0.1').servername, undefined, 'no SNI for an IP address');
  t.equal(files.connectionOptions().checkServerIdentity, undefined, 'Node verifies the dialled name');

  const named = tls(t, { servername: 'logs.internal', verify: false, min_version: 'TLSv1.2' });
  const o = named.connectionOptions('10.0.0.1');
  t.equal(o.servername, 'logs.internal');
  t.equal(o.rejectUnauthorized, false);
  t.equal(typeof o.checkServerIdentity, 'function');
  t.equal(tls(t, undefined).connectionOptions().rejectUnauthorized, true, 'no block: verified against the system CAs');
});

t.test('against a real TLS server: unknown CA refused, ca_file trusted, servername verified, verify: false', async (t) => {
  const port = await server(t, { cert: pki.serverCert, key: pki.serverKey });
  const wrong = await server(t, { cert: pki.wrongNameCert, key: pki.wrongNameKey });
  await t.rejects(talk(port, tls(t, undefined).connectionOptions('127.0.0.1')), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  t.equal(await talk(port, tls(t, { ca_file: pki.caCert, verify: true, min_version: 'TLSv1.2' }).connectionOptions()), '-');
  const ca = { ca_file: pki.caCert, verify: true, min_version: 'TLSv1.2' as const };
  await t.rejects(talk(wrong, tls(t, ca).connectionOptions()), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  t.equal(await talk(wrong, tls(t, { ...ca, servername: 'wrong.example' }).connectionOptions('127.0.0.1')), '-', 'verified as servername');
  t.equal(
    await talk(port, tls(t, { verify: false, min_version: 'TLSv1.2' }).connectionOptions()),
    '-',
    'verify: false accepts the unknown CA',
  );
  const old = await server(t, { cert: pki.serverCert, key: pki.serverKey, maxVersion: 'TLSv1.2' });
  await t.rejects(talk(old, tls(t, { ...ca, min_version: 'TLSv1.3' }).connectionOptions()), 'min_version TLSv1.3 refuses a TLSv1.2 server');
});

t.test('a client certificate rotated on disk is used by the next connection; a bad pair keeps the last good one', async (t) => {
  const port = await server(t, { cert: pki.serverCert, key: pki.serverKey, requestCert: true });
  const dir = await tempDir(t);
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  await copyFile(pki.clientA.cert, cert);
  await copyFile(pki.clientA.key, key);
  const log = capture();
  let changes = 0;
  const files = tls(
    t,
    { ca_file: pki.caCert, cert_file: cert, key_file: key, verify: true, min_version: 'TLSv1.2' },
    { logger: log.logger, onChange: () => changes++ },
  );
  await files.ready();
  t.equal(await talk(port, files.connectionOptions()), 'client-a');

  // A half-done rotation: the new certificate in place, the old key still there.
  await copyFile(pki.clientB.cert, `${cert}.new`);
  await rename(`${cert}.new`, cert);
  await waitFor(() => log.lines.some((l) => l.code === 'OUTRIGGER_E_TLS_FILES'), { what: 'the mismatch reported' });
  const reported = log.lines.filter((l) => l.code === 'OUTRIGGER_E_TLS_FILES');
  t.match(reported[0], {
    level: 50,
    msg: 'tls files unusable, keeping the last good ones',
    reason: /tls files unusable \(.*cert_file .*tls\.crt.*\): /,
  });
  t.equal(files.error, undefined, 'still usable');
  t.equal(changes, 0);
  t.equal(await talk(port, files.connectionOptions()), 'client-a', 'the last good pair in use');
  for (let i = 0; i < 3; i++) t.equal(await talk(port, files.connectionOptions()), 'client-a');
  t.equal(log.lines.filter((l) => l.code === 'OUTRIGGER_E_TLS_FILES').length, 1, 'reported once, not per connection');

  await copyFile(pki.clientB.key, `${key}.new`);
  await rename(`${key}.new`, key);
  await waitFor(() => changes === 1, { what: 'the rotation completed' });
  t.equal(files.generation, 2);
  t.equal(await talk(port, files.connectionOptions()), 'client-b', 'the new certificate used');
  t.ok(log.lines.some((l) => l.msg === 'tls files reloaded; new connections use them'));
  const keyText = (await readFile(pki.clientB.key, 'utf8')).split('\n')[1] as string;
  t.notOk(log.text().includes(keyText) || /PRIVATE KEY|BEGIN CERT/.test(log.text()), 'no file content in the logs');
});

t.test('files that do not exist yet: connections fail with the reason, then work once they appear', async (t) => {
  const dir = await tempDir(t);
  const ca = join(dir, 'ca.pem');
  const log = capture();
  let changes = 0;
  const files = tls(t, { ca_file: ca, verify: true, min_version: 'TLSv1.2' }, { logger: log.logger, onChange: () => changes++ });
  await files.ready();
  t.equal(files.error, `tls.ca_file: cannot read ${ca}: ENOENT`);
  t.throws(() => files.connectionOptions(), { code: 'OUTRIGGER_E_TLS_FILES', message: `tls.ca_file: cannot read ${ca}: ENOENT` });
  t.match(log.lines, [{ code: 'OUTRIGGER_E_TLS_FILES', msg: 'tls files unusable' }]);
  await copyFile(pki.caCert, ca);
  await waitFor(() => files.error === undefined, { what: 'the CA file loaded' });
  t.equal(changes, 1);
  const port = await server(t, { cert: pki.serverCert, key: pki.serverKey });
  t.equal(await talk(port, files.connectionOptions()), '-');
});

t.test('describeTlsError explains verification failures, through cause chains', async (t) => {
  const wrapped = Object.assign(new Error('fetch failed'), {
    cause: Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
  });
  t.equal(
    describeTlsError(wrapped, 'https://es:9200/'),
    "TLS verification failed for https://es:9200/: certificate signed by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set tls.ca_file to the CA that signed the server's certificate",
  );
  t.match(describeTlsError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'x'), /does not match the server name.*tls\.servername/);
  t.match(describeTlsError({ code: 'CERT_HAS_EXPIRED' }, 'x'), /expired.*renew/);
  t.match(
    describeTlsError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'x'),
    /^TLS handshake with x failed \(ERR_SSL_WRONG_VERSION_NUMBER\)$/,
  );
  t.equal(describeTlsError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x'), undefined);
});

t.test('a CA bundle with no parseable certificate is unusable, not silently empty', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-tls-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of [
    ['empty.pem', ''],
    ['half.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n'],
    ['garbage.pem', '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n'],
  ] as const) {
    await writeFile(join(dir, name), text);
    const files = new TlsFiles({ ca_file: join(dir, name), verify: true, min_version: 'TLSv1.2' }, { resolvePath: (p) => p, pollMs: 0 });
    t.match(files.error, /tls files unusable .*ca_file/, name);
    await files.close();
  }
});
