/**
 * HTTP hygiene between the app and the upstream (RFC 9110 §7.6): hop-by-hop header removal,
 * header names with `_`, Via, X-Forwarded-* / Forwarded. Pure functions over flat
 * `[name, value, ...]` lists. (Requests are checked by the listener's request parser alone.)
 */
import { isHopByHop, rawConnectionTokens } from '@outrigger/runtime';
import type { HeaderRewriter } from '../route/rewrite.js';

export const VIA = '1.1 outrigger';

export interface ForwardingOptions {
  /** The `Host` sent upstream. */
  host: string;
  requestIdHeader: string;
  requestId: string;
  via: boolean;
  forwarded: 'none' | 'x-forwarded' | 'forwarded' | 'both';
  clientAddress: string;
  /** The Host the app sent (for X-Forwarded-Host). */
  originalHost: string | undefined;
  rewriter: HeaderRewriter;
  credential: { name: string; value: string } | undefined;
  /**
   * Drop header names with `_` (nginx's default): `Transfer_Encoding` means `Transfer-Encoding`
   * to some backends (CGI-style name mapping), a smuggling vector.
   */
  dropUnderscores?: boolean;
}

const FORWARDING_HEADERS = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

/** The header list sent upstream, flat `[name, value, ...]`. */
export function upstreamRequestHeaders(raw: readonly string[], opts: ForwardingOptions): string[] {
  const out: string[] = ['host', opts.host];
  const named = rawConnectionTokens(raw);
  const idHeader = opts.requestIdHeader;
  const credentialName = opts.credential?.name;
  let via: string | undefined;
  let xff: string | undefined;
  let fwd: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    // Besides the hop-by-hop headers: `host` is set above, `expect` was answered by the listener.
    if (isHopByHop(lower, named) || lower === 'host' || lower === 'expect') continue;
    if (lower === idHeader || lower === credentialName) continue;
    if (opts.rewriter.drops(lower)) continue;
    if (opts.dropUnderscores === true && lower.includes('_')) continue;
    const value = raw[i + 1] as string;
    if (lower === 'via') {
      via = via === undefined ? value : `${via}, ${value}`;
      continue;
    }
    if (FORWARDING_HEADERS.has(lower)) {
      // Pass the chain on only when this route forwards client addresses at all.
      if (opts.forwarded === 'none') continue;
      if (lower === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
      else if (lower === 'forwarded') fwd = fwd === undefined ? value : `${fwd}, ${value}`;
      continue;
    }
    out.push(name, value);
  }
  out.push(idHeader, opts.requestId);
  if (opts.via) out.push('via', via === undefined ? VIA : `${via}, ${VIA}`);
  else if (via !== undefined) out.push('via', via);
  if (opts.forwarded === 'x-forwarded' || opts.forwarded === 'both') {
    out.push('x-forwarded-for', xff === undefined ? opts.clientAddress : `${xff}, ${opts.clientAddress}`);
    out.push('x-forwarded-proto', 'http');
    if (opts.originalHost !== undefined) out.push('x-forwarded-host', opts.originalHost);
  }
  if (opts.forwarded === 'forwarded' || opts.forwarded === 'both') {
    const node = opts.clientAddress.includes(':') ? `"[${opts.clientAddress}]"` : opts.clientAddress;
    let element = `for=${node};proto=http`;
    if (opts.originalHost !== undefined) element += `;host="${opts.originalHost.replace(/["\\]/g, '')}"`;
    out.push('forwarded', fwd === undefined ? element : `${fwd}, ${element}`);
  }
  if (opts.credential !== undefined) out.push(opts.credential.name, opts.credential.value);
  opts.rewriter.appendTo(out);
  return out;
}

/**
 * Response headers, as the upstream pool parsed them (flat, lower-case names), to the flat list
 * the app gets: hop-by-hop and dropped ones out, Via appended to, the route's additions last.
 */
export function downstreamResponseHeaders(headers: readonly string[], rewriter: HeaderRewriter, via: boolean): string[] {
  const out: string[] = [];
  const named = rawConnectionTokens(headers);
  let upstreamVia: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (isHopByHop(name, named) || rewriter.drops(name)) continue;
    const value = headers[i + 1] as string;
    if (via && name === 'via') {
      upstreamVia = upstreamVia === undefined ? value : `${upstreamVia}, ${value}`;
      continue;
    }
    out.push(name, value);
  }
  if (via) out.push('via', upstreamVia === undefined ? VIA : `${upstreamVia}, ${VIA}`);
  if (!rewriter.empty) rewriter.appendTo(out);
  return out;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The app's request id when it is a sane token, else undefined (then one is generated). */
export function acceptableRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}
