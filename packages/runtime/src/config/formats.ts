/** String formats the validator knows, each with the phrase its error uses. */
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
