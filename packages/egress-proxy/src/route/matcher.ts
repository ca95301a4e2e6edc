/** Route matching by path prefix and/or host: pure, first match wins (config order). */

export interface MatchRule {
  path_prefix?: string | undefined;
  host?: string | undefined;
}

interface CompiledRule<T> {
  prefix: string | undefined;
  /** Exact host (lower case) or, for `*.example.com`, the suffix `.example.com`. */
  host: string | undefined;
  wildcard: boolean;
  value: T;
}

/** The host of a Host header without its port, lower-cased (`[::1]:80` → `[::1]`). */
export function hostWithoutPort(hostHeader: string | undefined): string {
  if (hostHeader === undefined || hostHeader === '') return '';
  let end = hostHeader.length;
  if (hostHeader.charCodeAt(0) === 91 /* [ */) {
    const close = hostHeader.indexOf(']');
    end = close === -1 ? end : close + 1;
  } else {
    const colon = hostHeader.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  return hostHeader.slice(0, end).toLowerCase();
}

export class RouteMatcher<T> {
  readonly #rules: CompiledRule<T>[];

  constructor(rules: ReadonlyArray<{ match: MatchRule; value: T }>) {
    this.#rules = rules.map(({ match, value }) => {
      const host = match.host?.toLowerCase();
      const wildcard = host?.startsWith('*.') ?? false;
      return { prefix: match.path_prefix, host: wildcard ? host?.slice(1) : host, wildcard, value };
    });
  }

  /** The first rule whose host and path prefix both match, or undefined. */
  match(hostHeader: string | undefined, path: string): T | undefined {
    let host: string | undefined;
    for (const rule of this.#rules) {
      if (rule.prefix !== undefined && !path.startsWith(rule.prefix)) continue;
      if (rule.host !== undefined) {
        host ??= hostWithoutPort(hostHeader);
        if (rule.wildcard ? !(host.endsWith(rule.host) && host.length > rule.host.length) : host !== rule.host) continue;
      }
      return rule.value;
    }
    return undefined;
  }
}
