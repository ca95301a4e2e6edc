/** Header helpers of the proxy: merging of list headers, flat lists, compaction (hop-by-hop removal is the runtime's). */
import type { Headers } from './operation/types.js';

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
