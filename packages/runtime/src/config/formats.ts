/**
 * String formats the validator knows, each with the phrase its error uses. A schema naming a
 * format not listed here is a programming error: the validator throws, and `test/schemas.test.ts`
 * walks every sidecar's schema for it.
 */
import { tryParseHostPort } from '../host-port.js';

export interface Format {
  /** Completes "must be …": `an http(s) URL`. */
  expected: string;
  /** Returns undefined when valid, or extra detail ('' for none) when not. */
  check(value: string): string | undefined;
}

function url(protocols?: readonly string[]): Format['check'] {
  return (value) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return '';
    }
    if (protocols && !protocols.includes(parsed.protocol)) return '';
    return undefined;
  };
}

export const formats: Readonly<Record<string, Format>> = {
  // A file the sidecar reads (a CA bundle, a secret, a script). Beyond being a path, the loader
  // checks after validation that it exists and is readable, relative to the config file.
  file: { expected: 'a file path', check: (value) => (value.trim() === '' || value.includes('\0') ? '' : undefined) },
  'http-url': { expected: 'an http(s) URL', check: url(['http:', 'https:']) },
  url: { expected: 'a URL', check: url() },
  'host-port': {
    expected: 'host:port (e.g. 127.0.0.1:4140)',
    check: (value) => (tryParseHostPort(value) ? undefined : ''),
  },
  'listen-or-off': {
    expected: 'host:port (e.g. 0.0.0.0:9821), or "" for off',
    check: (value) => (value === '' || tryParseHostPort(value) ? undefined : ''),
  },
  regex: {
    expected: 'a valid regular expression',
    check: (value) => {
      try {
        new RegExp(value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  },
};
