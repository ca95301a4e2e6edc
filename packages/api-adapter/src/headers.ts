/** Header hygiene for a proxy: hop-by-hop removal and merging of list headers. */
import type { Headers } from './operation/types.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate'];

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1), including those the Connection header names.
 * Only names that are present are touched: adding absent keys would grow every header object.
 */
export function removeHopByHop(headers: Headers): void {
  const conn = headers.connection;
  if (conn !== undefined) {
    for (const name of (Array.isArray(conn) ? conn.join(',') : conn).split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '' && headers[n] !== undefined) headers[n] = undefined;
    }
  }
  for (const n of HOP_BY_HOP) if (headers[n] !== undefined) headers[n] = undefined;
}

/** Adds `token` to a comma-separated list header unless it is already there (case-insensitive). */
export function addToList(current: string | string[] | undefined, token: string): string {
  if (current === undefined || current === '') return token;
  const text = Array.isArray(current) ? current.join(', ') : (current ?? '');
  if (text.trim() === '') return token;
  const items = text.split(',').map((s) => s.trim().toLowerCase());
  if (items.includes('*') || items.includes(token.toLowerCase())) return text;
  return `${text}, ${token}`;
}

export function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A flat `[name, value, name, value]` list for `res.writeHead`, skipping removed headers. */
export function toRawHeaders(headers: Headers): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push(name, x);
    else out.push(name, v);
  }
  return out;
}

/** A copy without removed (undefined) entries, for undici. */
export function compact(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
