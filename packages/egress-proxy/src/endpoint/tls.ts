/**
 * TLS origination material of a cluster: CA bundle, client certificate and key, read from files
 * and re-read when they change, so new connections use the new certificate without a restart.
 * Verification is always on (system CAs, or `ca_file`).
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { WatchedFiles } from '../watched-files.js';

export interface TlsConfig {
  ca_file?: string | undefined;
  cert_file?: string | undefined;
  key_file?: string | undefined;
  server_name?: string | undefined;
  min_version: 'TLSv1.2' | 'TLSv1.3';
}

export interface TlsOptions {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  servername?: string | undefined;
  rejectUnauthorized: true;
}

export class TlsMaterial {
  #options: TlsOptions | undefined;
  #error: string | undefined = 'not loaded yet';
  #watch: WatchedFiles | undefined;
  /** Bumped on every change: endpoints rebuild their connectors when it moves. */
  generation = 0;
  readonly #files: string[];

  constructor(
    private readonly config: TlsConfig,
    private readonly resolve: (path: string) => string,
    private readonly logger: Logger,
    private readonly cluster: string,
    private readonly onChange: () => void,
  ) {
    this.#files = [config.ca_file, config.cert_file, config.key_file].filter((f): f is string => f !== undefined).map((f) => resolve(f));
  }

  get options(): TlsOptions | undefined {
    return this.#options;
  }

  get error(): string | undefined {
    return this.#options === undefined ? this.#error : undefined;
  }

  async start(): Promise<void> {
    if (this.#files.length > 0) {
      this.#watch = new WatchedFiles(this.#files, () => void this.load());
      await this.#watch.ready();
    }
    await this.load();
  }

  async load(): Promise<void> {
    const { ca_file, cert_file, key_file } = this.config;
    const read = (f: string | undefined) => (f === undefined ? undefined : readFile(this.resolve(f)));
    try {
      const [ca, cert, key] = await Promise.all([read(ca_file), read(cert_file), read(key_file)]);
      // Parse now so a half-written or mismatched pair is reported here, not on every connect.
      createSecureContext({ ca, cert, key, minVersion: this.config.min_version });
      const next: TlsOptions = { ca, cert, key, minVersion: this.config.min_version, rejectUnauthorized: true };
      if (this.config.server_name !== undefined) next.servername = this.config.server_name;
      const prev = this.#options;
      if (prev !== undefined && same(prev.ca, ca) && same(prev.cert, cert) && same(prev.key, key)) return;
      this.#options = next;
      this.#error = undefined;
      this.generation++;
      if (prev !== undefined) {
        this.logger.info({ cluster: this.cluster }, 'tls files reloaded; new connections use them');
        this.onChange();
      }
    } catch (err) {
      this.#error = (err as Error).message;
      this.logger.error(
        { code: 'OUTRIGGER_E_TLS_FILES', cluster: this.cluster, reason: this.#error },
        this.#options === undefined ? 'tls files unusable' : 'tls files unusable, keeping the last good ones',
      );
    }
  }

  async close(): Promise<void> {
    await this.#watch?.close();
  }
}

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
