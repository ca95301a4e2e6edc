/** A throw-away PKI for TLS tests, made with Debian's openssl: a CA and a server certificate for 127.0.0.1/localhost. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates `<name>-ca.pem` and a server cert signed by it, in `dir`. */
export function makePki(dir: string, name = 'test'): Pki {
  const caKey = join(dir, `${name}-ca.key`);
  const caFile = join(dir, `${name}-ca.pem`);
  const keyFile = join(dir, `${name}-server.key`);
  const csr = join(dir, `${name}-server.csr`);
  const certFile = join(dir, `${name}-server.pem`);
  const ext = join(dir, `${name}-ext.cnf`);
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', `/CN=${name} test CA`],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost'], dir);
  writeFileSync(
    ext,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext],
    dir,
  );
  return { caFile, certFile, keyFile, ca: readFileSync(caFile), cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
