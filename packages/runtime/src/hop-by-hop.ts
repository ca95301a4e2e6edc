/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes
 * them, together with every header the `Connection` header names, before forwarding. Helpers for
 * the two shapes proxies hold headers in: Node's flat `rawHeaders` list and a header object.
 */

/** The hop-by-hop header names, lower case. */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The lower-case header names that `Connection` values list (all values, comma lists, any case),
 * or undefined when none. `close` is an option, not a header, and is left out; so are the
 * hop-by-hop names, which go anyway (`keep-alive`, the usual value, then costs no set).
 */
export function connectionTokens(values: string | readonly string[] | undefined): Set<string> | undefined {
  if (values === undefined) return undefined;
  if (typeof values === 'string') return addTokens(values, undefined);
  let tokens: Set<string> | undefined;
  for (const value of values) tokens = addTokens(value, tokens);
  return tokens;
}

function addTokens(value: string, tokens: Set<string> | undefined): Set<string> | undefined {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return tokens;
  for (const part of lower.split(',')) {
    const token = part.trim();
    if (token === '' || token === 'close' || hopByHopHeaders.has(token)) continue;
    tokens ??= new Set();
    tokens.add(token);
  }
  return tokens;
}

/** `connectionTokens` of the `Connection` headers in a flat `[name, value, ...]` list. */
export function rawConnectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    const more = connectionTokens(raw[i + 1] as string);
    if (more === undefined) continue;
    tokens ??= new Set();
    for (const token of more) tokens.add(token);
  }
  return tokens;
}

/** Whether a lower-case header name is hop-by-hop, given the names `Connection` listed. */
export function isHopByHop(name: string, named?: ReadonlySet<string>): boolean {
  return hopByHopHeaders.has(name) || named?.has(name) === true;
}

/**
 * Removes the hop-by-hop headers from a header object with lower-case keys (Node's
 * `IncomingHttpHeaders`), in place, by setting them to undefined: only names that are present
 * are touched (adding absent keys, or deleting, would slow every later access to the object).
 */
export function removeHopByHop(headers: Record<string, string | string[] | undefined>): void {
  const named = connectionTokens(headers.connection);
  if (named !== undefined) for (const name of named) if (headers[name] !== undefined) headers[name] = undefined;
  for (const name of hopByHopHeaders) if (headers[name] !== undefined) headers[name] = undefined;
}
