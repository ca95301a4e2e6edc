/**
 * TLS client options, the same block in every sidecar: the schema, its cross-field rule, the
 * files it names (read, checked, re-read when they change) and the Node connection options made
 * from them. Verification is on unless a config says `verify: false` (for testing only).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, createSecureContext } from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { OutriggerError } from './errors.js';
import type { ConfigIssue } from './sidecar.js';
import { WatchedFiles, type WatchedFilesOptions } from './watched-files.js';

export const TlsSchema = Type.Object(
  {
    ca_file: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'file',
        description: 'PEM file of the CA(s) that sign the server’s certificate (default: the system’s CAs); re-read when it changes.',
      }),
    ),
    cert_file: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'file',
        description: 'PEM client certificate for mutual TLS (with key_file); re-read when it changes, for new connections.',
      }),
    ),
    key_file: Type.Optional(
      Type.String({ minLength: 1, format: 'file', description: 'PEM private key of cert_file; re-read when it changes.' }),
    ),
    servername: Type.Optional(
      Type.String({ minLength: 1, description: 'Name sent as SNI and verified against the server’s certificate (default: the host).' }),
    ),
    verify: Type.Boolean({
      default: true,
      description: 'Verify the server’s certificate chain and name. `false` accepts any server: for testing only.',
    }),
    min_version: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')], {
      default: 'TLSv1.2',
      description: 'Lowest TLS version accepted.',
    }),
  },
  { additionalProperties: false, description: 'TLS client settings.' },
);

export type TlsConfig = Static<typeof TlsSchema>;

type FileKey = 'ca_file' | 'cert_file' | 'key_file';
const FILE_KEYS: readonly FileKey[] = ['ca_file', 'cert_file', 'key_file'];
const MATERIAL = { ca_file: 'ca', cert_file: 'cert', key_file: 'key' } as const;

/** The cross-field rule of a TLS block at `path` (e.g. `sinks.loki.tls`): cert_file and key_file come together. */
export function tlsConfigIssues(config: TlsConfig | undefined, path: string): ConfigIssue[] {
  if (config === undefined || (config.cert_file === undefined) === (config.key_file === undefined)) return [];
  return [{ path, message: 'cert_file and key_file go together' }];
}

export interface TlsFilesOptions extends WatchedFilesOptions {
  /** Resolves a path of the config (relative to the config file's directory). */
  resolvePath?: (path: string) => string;
  logger?: Logger;
  /** Called when changed files are loaded and in use (not for the constructor's read): rebuild connectors. */
  onChange?: () => void;
}

interface Material {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * The files of a TLS block, read and checked with `createSecureContext` (so a mismatched or
 * half-written pair is reported once, here, not on every connect), re-read when they change.
 * The last good files stay in use until changed ones pass the check. Contents are never logged.
 */
export class TlsFiles {
  readonly #config: TlsConfig | undefined;
  readonly #paths: Partial<Record<FileKey, string>> = {};
  readonly #logger: Logger | undefined;
  readonly #onChange: () => void;
  readonly #watch: WatchedFiles | undefined;
  readonly #ready: Promise<void>;
  #material: Material | undefined;
  #options: ConnectionOptions | undefined;
  #error: string | undefined;
  #generation = 0;
  #loading: Promise<void> | undefined;

  /** Reads the files now (synchronously, once) and starts watching them. */
  constructor(config: TlsConfig | undefined, options: TlsFilesOptions = {}) {
    this.#config = config;
    this.#logger = options.logger;
    this.#onChange = options.onChange ?? (() => undefined);
    const resolvePath = options.resolvePath ?? ((p: string) => p);
    for (const key of FILE_KEYS) {
      const path = config?.[key];
      if (path !== undefined) this.#paths[key] = resolvePath(path);
    }
    this.#apply(this.#readSync(), true);
    const files = Object.values(this.#paths);
    if (files.length > 0) this.#watch = new WatchedFiles(files, () => void this.reload(), options);
    // Once more when armed: a change between the first read and the watch is not missed.
    this.#ready = this.#watch?.ready().then(() => this.reload()) ?? Promise.resolve();
  }

  /** Bumped whenever the material changes: a connector built for an older generation is stale. */
  get generation(): number {
    return this.#generation;
  }

  /** Why there are no usable files (connections fail), or undefined when there are. */
  get error(): string | undefined {
    return this.#options === undefined ? this.#error : undefined;
  }

  /** Resolves once the files are watched. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Options for `tls.connect` / undici's `connect`, from the current files. Without `servername`
   * in the config, SNI is `host` unless it is an IP address. Throws OUTRIGGER_E_TLS_FILES while
   * the files have never been usable.
   */
  connectionOptions(host?: string): ConnectionOptions {
    const options = this.#options;
    if (options === undefined) throw new OutriggerError('OUTRIGGER_E_TLS_FILES', this.#error ?? 'tls files not loaded');
    if (options.servername !== undefined || host === undefined || host === '' || isIP(host) !== 0) return options;
    return { ...options, servername: host };
  }

  /** Re-reads the files now (the watcher calls this on a change). */
  reload(): Promise<void> {
    this.#loading = (this.#loading ?? Promise.resolve()).then(async () => {
      this.#apply(await this.#readAsync(), false);
    });
    return this.#loading;
  }

  async close(): Promise<void> {
    await this.#watch?.close();
    await this.#ready;
    await this.#loading;
  }

  #readSync(): Material | string {
    return this.#combine(
      this.#keys().map((key) => {
        try {
          return readFileSync(this.#paths[key] as string);
        } catch (error) {
          return this.#readError(key, error);
        }
      }),
    );
  }

  async #readAsync(): Promise<Material | string> {
    return this.#combine(
      await Promise.all(this.#keys().map((key) => readFile(this.#paths[key] as string).catch((e) => this.#readError(key, e)))),
    );
  }

  #keys(): FileKey[] {
    return FILE_KEYS.filter((k) => this.#paths[k] !== undefined);
  }

  #readError(key: FileKey, error: unknown): string {
    return `tls.${key}: cannot read ${this.#paths[key]}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }

  /** The files' contents in `#keys()` order → the material, or the first read failure. */
  #combine(values: (Buffer | string)[]): Material | string {
    const failure = values.find((v): v is string => typeof v === 'string');
    if (failure !== undefined) return failure;
    const material: Material = {};
    this.#keys().forEach((key, i) => {
      material[MATERIAL[key]] = values[i] as Buffer;
    });
    return material;
  }

  #apply(read: Material | string, initial: boolean): void {
    const material = typeof read === 'string' ? read : this.#check(read);
    if (typeof material === 'string') {
      if (material === this.#error) return;
      this.#error = material;
      const kept = this.#options !== undefined;
      this.#logger?.error(
        { code: 'OUTRIGGER_E_TLS_FILES', reason: material },
        kept ? 'tls files unusable, keeping the last good ones' : 'tls files unusable',
      );
      return;
    }
    this.#error = undefined;
    const prev = this.#material;
    if (prev !== undefined && same(prev.ca, material.ca) && same(prev.cert, material.cert) && same(prev.key, material.key)) return;
    this.#material = material;
    this.#options = this.#connectionOptions(material);
    this.#generation++;
    if (!initial) {
      this.#logger?.info(prev === undefined ? 'tls files loaded' : 'tls files reloaded; new connections use them');
      this.#onChange();
    }
  }

  /** Parses the material the way a connection would, so bad files are refused once, here. */
  #check(material: Material): Material | string {
    try {
      createSecureContext({ ...material, minVersion: this.#config?.min_version ?? 'TLSv1.2' });
      // OpenSSL skips what it cannot parse in a CA bundle: an empty or half-written one would
      // only show as "unknown CA" on every connection.
      if (material.ca !== undefined) checkCaBundle(material.ca);
      return material;
    } catch (error) {
      // OpenSSL's reason (`key values mismatch`, `no start line`): never the files' contents.
      const files = this.#keys().map((k) => `${k} ${this.#paths[k]}`);
      return `tls files unusable (${files.join(', ')}): ${(error as Error).message}`;
    }
  }

  #connectionOptions(material: Material): ConnectionOptions {
    const config = this.#config;
    const options: ConnectionOptions = {
      ...material,
      rejectUnauthorized: config?.verify ?? true,
      minVersion: config?.min_version ?? 'TLSv1.2',
    };
    const name = config?.servername;
    if (name !== undefined) {
      options.servername = name;
      // Verify the certificate against servername rather than the host that was dialled.
      options.checkServerIdentity = (_host, cert) => checkServerIdentity(name, cert);
    }
    return Object.freeze(options);
  }
}

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
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

/** Walks `cause` chains (undici wraps socket errors) for the first error with a TLS `code`. */
function tlsCodeOf(error: unknown): string | undefined {
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
  const code = tlsCodeOf(error);
  if (!code) return undefined;
  const what = verifyCodes[code];
  if (what === undefined) return `TLS handshake with ${target} failed (${code})`;
  const hint =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'check the endpoint host or set tls.servername'
      : code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID'
        ? 'the server must renew its certificate'
        : "set tls.ca_file to the CA that signed the server's certificate";
  return `TLS verification failed for ${target}: ${what} (${code}); ${hint}`;
}

/** Throws unless `pem` holds at least one certificate and every certificate in it parses. */
function checkCaBundle(pem: Buffer): void {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('ca_file holds no PEM certificate');
  for (const block of blocks) new X509Certificate(block);
}
