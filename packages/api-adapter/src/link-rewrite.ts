/**
 * URLs inside responses move between version path prefixes: the upstream says
 * `Location: /v2/invoices/9`, a caller on v1 gets `/v1/invoices/9`. Applied to `Location`,
 * `Content-Location`, every `<...>` of `Link`, and configured body fields. Absolute-path URLs are
 * rewritten; absolute URLs only when their origin is the upstream's (which becomes the caller's
 * origin, so that followed links come back through the adapter) or the caller's own. Relative
 * references and other origins are left alone; query strings (cursors) are never touched.
 */
import { compileWalker, parsePointer, setSlot, type Walker } from './pointer/index.js';

export interface LinkRewrite {
  /** The prefix the upstream's URLs carry (`/v2`, or `''`). */
  from: string;
  /** The prefix the caller's URLs carry (`/v1`, or `''`). */
  to: string;
  /** The upstream's origin (`https://api.example.com`), lower-case. */
  upstreamOrigin: string;
  /** The origin the caller used (`http://<Host>`), lower-case; undefined without a Host header. */
  callerOrigin: string | undefined;
}

/** Whether anything would change: prefixes differ or upstream URLs point elsewhere than the caller. */
export function rewrites(r: LinkRewrite): boolean {
  return r.from !== r.to || (r.callerOrigin !== undefined && r.callerOrigin !== r.upstreamOrigin);
}

function rewritePath(path: string, from: string, to: string): string | undefined {
  if (from === '') return to + path;
  if (path === from) return to === '' ? '/' : to;
  const next = path.charCodeAt(from.length);
  // '/' or '?' or '#' after the prefix: a whole-segment match.
  if (path.startsWith(from) && (next === 47 || next === 63 || next === 35)) {
    const rest = path.slice(from.length);
    return to === '' && rest[0] !== '/' ? `/${rest}` : to + rest;
  }
  return undefined;
}

export function rewriteUrl(url: string, r: LinkRewrite): string {
  if (url.startsWith('/') && !url.startsWith('//')) return r.from === r.to ? url : (rewritePath(url, r.from, r.to) ?? url);
  const m = /^(https?:\/\/[^/?#]+)(.*)$/i.exec(url);
  if (!m) return url;
  const origin = (m[1] as string).toLowerCase();
  let newOrigin: string;
  if (origin === r.upstreamOrigin) newOrigin = r.callerOrigin ?? (m[1] as string);
  else if (origin === r.callerOrigin) newOrigin = m[1] as string;
  else return url;
  const rest = m[2] === '' ? '/' : (m[2] as string);
  const p = r.from === r.to ? rest : rewritePath(rest, r.from, r.to);
  return p === undefined ? newOrigin + rest : newOrigin + p;
}

/** Rewrites every `<url>` in a `Link` header value. */
export function rewriteLinkHeader(value: string, r: LinkRewrite): string {
  return value.replace(/<([^>]*)>/g, (_all, url: string) => `<${rewriteUrl(url, r)}>`);
}

/** A function rewriting the string values at the given pointers of a parsed body. */
export function compileBodyLinks(pointers: readonly string[]): ((doc: { v: unknown }, r: LinkRewrite) => void) | undefined {
  if (pointers.length === 0) return undefined;
  const walkers: Walker[] = pointers.map((p) => compileWalker(parsePointer(p)));
  return (box, r) => {
    for (const w of walkers) {
      w(box, (c, k) => {
        const v = (c as Record<string | number, unknown>)[k];
        if (typeof v === 'string') setSlot(c, k, rewriteUrl(v, r));
      });
    }
  };
}
