/**
 * A throw-away PKI for TLS tests, made with openssl in a directory the caller owns: a CA, server
 * certificates (right name, wrong name, self-signed) and two client certificates. EC P-256 keys,
 * valid for two days. Test-only (`@outrigger/runtime/testing`).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCert {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA's certificate (PEM file): what a client's `ca_file` names. */
  caCert: string;
  /** For `localhost` and 127.0.0.1, signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Signed by the CA for `wrong.example`. */
  wrongNameCert: string;
  wrongNameKey: string;
  /** For `localhost` and 127.0.0.1, not signed by the CA. */
  selfSignedCert: string;
  selfSignedKey: string;
  /** Two client certificates signed by the CA (CN client-a, client-b). */
  clientA: TestCert;
  clientB: TestCert;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

async function leaf(dir: string, serial: number, name: string, subject: string, san: string | undefined, usage: string): Promise<TestCert> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `${san ? `subjectAltName=${san}\n` : ''}extendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
  await openssl(dir, ['req', ...EC, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    String(serial),
    '-days',
    '2',
    '-out',
    cert,
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

/** Makes the PKI in `dir` (created if missing; the caller removes it). */
export async function makePki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  await openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    // A name of its own: two test CAs with one name would make "unknown CA" a signature failure.
    `/CN=Outrigger Test CA ${randomBytes(4).toString('hex')}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const local = 'DNS:localhost,IP:127.0.0.1';
  const [server, wrong, clientA, clientB] = await Promise.all([
    // Signed at once: explicit serials, as a shared serial file would race.
    leaf(dir, 1, 'server', '/CN=localhost', local, 'serverAuth'),
    leaf(dir, 2, 'wrong', '/CN=wrong.example', 'DNS:wrong.example', 'serverAuth'),
    leaf(dir, 3, 'client-a', '/CN=client-a', undefined, 'clientAuth'),
    leaf(dir, 4, 'client-b', '/CN=client-b', undefined, 'clientAuth'),
  ]);
  await openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${local}`,
  ]);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: server.cert,
    serverKey: server.key,
    wrongNameCert: wrong.cert,
    wrongNameKey: wrong.key,
    selfSignedCert: join(dir, 'self.crt'),
    selfSignedKey: join(dir, 'self.key'),
    clientA,
    clientB,
  };
}
