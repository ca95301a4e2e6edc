/**
 * ETags are marked with the caller's version when the exchange crosses versions
 * (`"abc"` → `"abc;v=2023-01-01"`), so a cache never serves one version's body to another, and the
 * mark is stripped from `If-None-Match` / `If-Match` before they go upstream.
 */

const MARK = /;v=[^"]*(?=")/g;

export function markEtag(etag: string, version: string): string {
  const base = unmarkEtags(etag);
  const i = base.lastIndexOf('"');
  if (i <= 0) return etag;
  return `${base.slice(0, i)};v=${version}${base.slice(i)}`;
}

/** Strips version marks from a conditional header value (a list of entity tags or `*`). */
export function unmarkEtags(value: string): string {
  return value.replace(MARK, '');
}
