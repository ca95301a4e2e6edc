/**
 * Endpoint selectors of a change: `"GET /customers/:id"`, `"* /invoices/*"`, `"POST|PUT /orders"`.
 * The method part is one method, several joined by `|`, or `*`; the path is a path pattern.
 * `GET` also matches `HEAD`.
 */
import { compilePathPattern, type PathPattern } from './path-pattern.js';

export type EndpointMatcher = (method: string, segments: readonly string[]) => boolean;

export function compileEndpoint(text: string): { match: EndpointMatcher; pattern: PathPattern } | string {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(text);
  if (!m) return `must be "METHOD /path", got ${JSON.stringify(text)}`;
  const [, methods = '', path = ''] = m;
  const pattern = compilePathPattern(path);
  if (typeof pattern === 'string') return pattern;
  if (methods === '*') return { pattern, match: (_method, segs) => pattern.match(segs) !== undefined };
  const list = methods.toUpperCase().split('|');
  if (!list.every((x) => /^[A-Z]+$/.test(x))) return `bad method ${JSON.stringify(methods)} in ${JSON.stringify(text)}`;
  const set = new Set(list);
  // HEAD is GET without the body: it goes through the same changes (its headers must agree).
  if (set.has('GET')) set.add('HEAD');
  return { pattern, match: (method, segs) => set.has(method) && pattern.match(segs) !== undefined };
}

/** A matcher for a list of endpoints; an empty list matches everything. */
export function compileEndpoints(list: readonly string[], at: string, issue: (path: string, message: string) => void): EndpointMatcher {
  if (list.length === 0) return () => true;
  const matchers: EndpointMatcher[] = [];
  list.forEach((text, i) => {
    const e = compileEndpoint(text);
    if (typeof e === 'string') issue(`${at}[${i}]`, e);
    else matchers.push(e.match);
  });
  if (matchers.length === 1) return matchers[0] as EndpointMatcher;
  return (method, segs) => {
    for (const m of matchers) if (m(method, segs)) return true;
    return false;
  };
}
