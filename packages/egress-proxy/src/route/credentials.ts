/**
 * A credential header injected from a file (a mounted Kubernetes Secret), re-read when the file
 * changes. The value is never logged; a read failure keeps the last good value only if there was
 * one, else requests on the route get 503 (flag CR).
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { WatchedFiles } from '../watched-files.js';

export interface CredentialsConfig {
  header: string;
  file: string;
  format: string;
}

export class Credentials {
  readonly name: string;
  #value: string | undefined;
  #error: string | undefined = 'not loaded yet';
  #watch: WatchedFiles | undefined;
  #loading: Promise<void> | undefined;

  constructor(
    private readonly config: CredentialsConfig,
    private readonly path: string,
    private readonly logger: Logger,
    private readonly route: string,
  ) {
    this.name = config.header.toLowerCase();
  }

  /** The header value, or undefined while the file cannot be read. */
  get value(): string | undefined {
    return this.#value;
  }

  get error(): string | undefined {
    return this.#value === undefined ? this.#error : undefined;
  }

  async start(): Promise<void> {
    this.#watch = new WatchedFiles([this.path], () => void this.reload());
    await Promise.all([this.reload(), this.#watch.ready()]);
  }

  reload(): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        const secret = (await readFile(this.path, 'utf8')).trim();
        if (secret === '') throw new Error('the file is empty');
        if (/[\r\n\0]/.test(secret)) throw new Error('the value contains a line break');
        const value = this.config.format.replaceAll('{value}', secret);
        if (value !== this.#value) {
          const first = this.#value === undefined;
          this.#value = value;
          this.#error = undefined;
          this.logger.info(
            { code: first ? undefined : 'credentials_rotated', route: this.route, file: this.path },
            first ? 'credentials loaded' : 'credentials reloaded',
          );
        }
      } catch (err) {
        this.#error = `${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        this.logger.warn(
          { code: 'OUTRIGGER_E_CREDENTIALS', route: this.route, file: this.path, reason: this.#error },
          this.#value === undefined ? 'credentials unavailable' : 'credentials file unreadable, keeping the last value',
        );
      }
    };
    // Serialise reloads so a slow read never overwrites a newer value.
    this.#loading = (this.#loading ?? Promise.resolve()).then(run);
    return this.#loading;
  }

  async close(): Promise<void> {
    await this.#watch?.close();
  }
}
