/**
 * Which version a caller speaks: from the path prefix (`/v{version}/...`), else the version
 * header, else the default. A prefix and a header that disagree are an error; so is a version
 * that is not configured. A first path segment that only looks like a version (same shape as
 * the configured ones: digit runs are generalised, so `/v9` when `1` and `2` are configured) is
 * an unknown version; one that does not (`/values`) is an ordinary path.
 */
import { AdapterError } from '../errors.js';
import type { Headers } from '../operation/types.js';

export interface NegotiationOptions {
  /** Lower-case header name; `''` disables header negotiation. */
  header: string;
  /** Template such as `/v{version}`; undefined disables path negotiation. */
  pathPrefix?: string | undefined;
  default: string;
  versions: readonly string[];
}

export interface Negotiated {
  version: string;
  /** The version prefix as it appeared in the caller's path (`/v1`), or `''`. */
  prefix: string;
  /** The path after the prefix (always starts with `/`). */
  path: string;
  source: 'path' | 'header' | 'default';
}

export type Negotiator = (path: string, headers: Headers) => Negotiated;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Checks a `/v{version}` template; returns a message when it is unusable. */
export function checkPrefixTemplate(template: string): string | undefined {
  const i = template.indexOf('{version}');
  if (!template.startsWith('/')) return 'must start with "/"';
  if (i < 0 || template.indexOf('{version}', i + 1) >= 0) return 'must contain "{version}" exactly once';
  if (template.slice(i + 9).includes('/')) return 'nothing after "{version}" may contain "/"';
  return undefined;
}

/** The path prefix a caller on `version` uses (`/v{version}` → `/v2`). */
export function prefixFor(template: string | undefined, version: string): string {
  return template ? template.replace('{version}', version) : '';
}

export function compileNegotiator(opts: NegotiationOptions): Negotiator {
  const known = new Set(opts.versions);
  const shape = new RegExp(`^(?:${opts.versions.map((v) => escapeRegExp(v).replace(/\d+/g, '\\d+')).join('|')})$`);
  const header = opts.header;
  let before = '';
  let after = '';
  if (opts.pathPrefix) {
    const i = opts.pathPrefix.indexOf('{version}');
    before = opts.pathPrefix.slice(0, i);
    after = opts.pathPrefix.slice(i + 9);
  }
  const usePath = opts.pathPrefix !== undefined && opts.pathPrefix !== '';

  const unknown = (v: string, where: string) =>
    new AdapterError(
      'OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION',
      `unknown API version ${JSON.stringify(v)} in the ${where}; known versions: ${opts.versions.join(', ')}`,
      400,
    );

  return (path, headers) => {
    let fromPath: string | undefined;
    let prefix = '';
    let rest = path;
    if (usePath && path.startsWith(before)) {
      const end = path.indexOf('/', before.length);
      const seg = end < 0 ? path.slice(before.length) : path.slice(before.length, end);
      if (seg.endsWith(after) && seg.length > after.length) {
        const candidate = seg.slice(0, seg.length - after.length);
        if (known.has(candidate)) {
          fromPath = candidate;
          prefix = end < 0 ? path : path.slice(0, end);
          rest = end < 0 ? '/' : path.slice(end);
        } else if (shape.test(candidate)) {
          throw unknown(candidate, 'path');
        }
      }
    }
    let fromHeader: string | undefined;
    if (header !== '') {
      const h = headers[header];
      const v = Array.isArray(h) ? h[0] : h;
      if (v !== undefined && v.trim() !== '') {
        fromHeader = v.trim();
        if (!known.has(fromHeader)) throw unknown(fromHeader, `${header} header`);
      }
    }
    if (fromPath !== undefined) {
      if (fromHeader !== undefined && fromHeader !== fromPath) {
        throw new AdapterError(
          'OUTRIGGER_E_ADAPTER_VERSION_CONFLICT',
          `the path asks for version ${JSON.stringify(fromPath)} but the ${header} header for ${JSON.stringify(fromHeader)}`,
          400,
        );
      }
      return { version: fromPath, prefix, path: rest, source: 'path' };
    }
    if (fromHeader !== undefined) return { version: fromHeader, prefix: '', path, source: 'header' };
    return { version: opts.default, prefix: '', path, source: 'default' };
  };
}
