/**
 * TLS options shared by every network sink. Verification is on by default; turning it off is an
 * explicit `verify: false`. Files are read when connections are made, so rotated certificates are
 * picked up by new connections.
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, checkServerIdentity as tlsCheckIdentity } from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';

export const TlsSchema = Type.Object(
  {
    ca_file: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM file of the CA(s) that sign the server’s certificate (default: the system’s CAs).' }),
    ),
    cert_file: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate, for servers that require mutual TLS.' })),
    key_file: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of cert_file.' })),
    server_name: Type.Optional(
      Type.String({ minLength: 1, description: 'Name to verify the server’s certificate against (and send as SNI); default: the host.' }),
    ),
    verify: Type.Boolean({
      default: true,
      description: 'Verify the server’s certificate chain and name. Turn off only for testing.',
    }),
  },
  { additionalProperties: false, description: 'TLS settings (used for https:// endpoints and protocol: tls).' },
);

export type TlsConfig = Static<typeof TlsSchema>;

/** Node `tls.connect` options for a config; paths resolved with `resolvePath`. Throws with the bad key named. */
export function tlsOptions(config: TlsConfig | undefined, resolvePath: (path: string) => string, host: string): ConnectionOptions {
  const options: ConnectionOptions = {
    rejectUnauthorized: config?.verify ?? true,
    servername: config?.server_name ?? (isIp(host) ? undefined : host),
  };
  if (!config) return options;
  const read = (key: 'ca_file' | 'cert_file' | 'key_file'): Buffer | undefined => {
    const path = config[key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(resolvePath(path));
    } catch (error) {
      throw new Error(`tls.${key}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const ca = read('ca_file');
  const cert = read('cert_file');
  const key = read('key_file');
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (config.server_name) {
    const name = config.server_name;
    options.servername = name;
    // Verify the certificate against server_name rather than the host we dialled.
    options.checkServerIdentity = (_host, cert) => tlsCheckIdentity(name, cert);
  }
  return options;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

const verifyCodes: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by an unknown CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain (unknown CA)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the server name',
};

/** Walks `cause` chains (undici wraps socket errors) for the first error with a `code`. */
function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code in verifyCodes || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A clear message for a TLS failure (`TLS verification failed for host:port: certificate signed
 * by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set tls.ca_file to the CA that signed the
 * server's certificate`), or undefined when the error is not a TLS one.
 */
export function describeTlsError(error: unknown, target: string): string | undefined {
  const code = codeOf(error);
  if (!code) return undefined;
  const what = verifyCodes[code];
  if (what === undefined) return `TLS handshake with ${target} failed (${code})`;
  const hint =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'check the endpoint host or set tls.server_name'
      : code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID'
        ? 'the server must renew its certificate'
        : "set tls.ca_file to the CA that signed the server's certificate";
  return `TLS verification failed for ${target}: ${what} (${code}); ${hint}`;
}
