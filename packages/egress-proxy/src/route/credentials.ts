/**
 * A credential header injected from a file (a mounted Kubernetes Secret), re-read when the file
 * changes (the runtime's `SecretFile`). The value is never logged; a read failure keeps the last
 * good value only if there was one, else requests on the route get 503 (flag CR).
 */
import { SecretFile } from '@outrigger/runtime';
import type { Logger } from 'pino';

export interface CredentialsConfig {
  header: string;
  file: string;
  format: string;
}

export class Credentials {
  readonly name: string;
  readonly #secret: SecretFile;

  constructor(config: CredentialsConfig, path: string, logger: Logger, route: string) {
    this.name = config.header.toLowerCase();
    this.#secret = new SecretFile(path, {
      parse: (text) => {
        const secret = text.trim();
        if (secret === '') throw new Error('the file is empty');
        if (/[\r\n\0]/.test(secret)) throw new Error('the value contains a line break');
        return config.format.replaceAll('{value}', secret);
      },
      onEvent: (event) => {
        if (event.type === 'unusable') {
          logger.warn(
            { code: 'OUTRIGGER_E_CREDENTIALS', route, file: path, reason: event.reason },
            event.kept ? 'credentials file unreadable, keeping the last value' : 'credentials unavailable',
          );
        } else {
          logger.info({ route, file: path }, event.type === 'loaded' ? 'credentials loaded' : 'credentials reloaded');
        }
      },
    });
  }

  /** The header value, or undefined while the file cannot be read. */
  get value(): string | undefined {
    return this.#secret.current;
  }

  get error(): string | undefined {
    return this.#secret.error;
  }

  start(): Promise<void> {
    return this.#secret.ready();
  }

  close(): Promise<void> {
    return this.#secret.close();
  }
}
