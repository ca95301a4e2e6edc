/**
 * Optional proxy authentication of forward-proxy mode: `Proxy-Authorization: Bearer <token>` or
 * `Basic` with the token as the password, the token read from a file (a mounted Secret, re-read
 * when it changes). The header is hop-by-hop: it never goes upstream.
 */
import { timingSafeEqual } from 'node:crypto';
import { SecretFile } from '@outrigger/runtime';
import type { Logger } from 'pino';

export class ProxyAuth {
  readonly #secret: SecretFile;

  constructor(path: string, logger: Logger) {
    this.#secret = new SecretFile(path, {
      parse: (text) => {
        const token = text.trim();
        if (token === '') throw new Error('the file is empty');
        return token;
      },
      onEvent: (event) => {
        if (event.type === 'unusable') logger.warn({ file: path, reason: event.reason }, 'forward_proxy.auth token file unusable');
        else logger.info({ file: path }, 'forward_proxy.auth token loaded');
      },
    });
  }

  get error(): string | undefined {
    return this.#secret.error;
  }

  /** Whether the header carries the token. */
  accepts(header: string | undefined): boolean {
    const token = this.#secret.current;
    if (token === undefined || header === undefined) return false;
    const space = header.indexOf(' ');
    if (space === -1) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let given: string;
    if (scheme === 'bearer') given = value;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      given = decoded.slice(decoded.indexOf(':') + 1);
    } else return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  start(): Promise<void> {
    return this.#secret.ready();
  }

  close(): Promise<void> {
    return this.#secret.close();
  }
}
