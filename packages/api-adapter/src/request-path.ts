/**
 * The request path the adapter matches on and sends upstream, normalised (RFC 3986 §6.2.2):
 * percent-encoded unreserved characters decoded (`%7E` → `~`, `%2E` → `.`), other escapes'
 * hex digits upper-cased, empty segments dropped (`//a` → `/a`), dot segments removed
 * (§5.2.4: `/a/./b/../c` → `/a/c`). A path whose `..` climbs above the root is refused, so the
 * upstream's `path_prefix` can never be climbed out of. Encoded slashes (`%2F`) stay encoded:
 * they are data inside a segment, not separators.
 *
 * Trailing slash rule: routes are matched without it (`/customers/1/` matches `/customers/:id`)
 * and the upstream receives it as the caller sent it.
 */
import { AdapterError } from './errors.js';

export interface NormalisedPath {
  /** Without a trailing slash (except the root `/`). */
  path: string;
  /** Whether the caller's path ended in `/` (then the upstream gets it back). */
  trailingSlash: boolean;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function badPath(reason: string): AdapterError {
  return new AdapterError('OUTRIGGER_E_ADAPTER_BAD_PATH', `the request path ${reason}`, 400);
}

/** Decodes escapes of unreserved characters and upper-cases the others; refuses broken escapes. */
function normaliseEscapes(segment: string): string {
  if (!segment.includes('%')) return segment;
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw badPath('has a "%" that is not followed by two hex digits');
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** What may need work: an escape, an empty or dot segment, a trailing slash. */
const UNUSUAL = /%|\/\/|\/\.|.\/$/;

export function normalisePath(raw: string): NormalisedPath {
  if (!raw.startsWith('/')) throw badPath('must start with "/"');
  if (!UNUSUAL.test(raw)) return { path: raw, trailingSlash: false };
  const parts = raw.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const seg = normaliseEscapes(parts[i] as string);
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw badPath('climbs above the root with ".."');
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const last = parts[parts.length - 1];
  return {
    path: `/${out.join('/')}`,
    trailingSlash: out.length > 0 && (last === '' || last === '.' || last === '..'),
  };
}
