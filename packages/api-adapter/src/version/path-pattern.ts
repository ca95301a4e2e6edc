/**
 * Path patterns: `/customers/:id` (a `:name` matches one segment), `*` (one segment), and a
 * trailing `*` (any rest, including nothing: `/invoices/*` matches `/invoices`, `/invoices/9`
 * and `/invoices/9/lines`).
 */

export interface PathPattern {
  readonly text: string;
  /** Parameter names in order (`*` for a trailing rest). */
  readonly params: readonly string[];
  /** The parameters, or undefined when the path does not match. Takes pre-split segments. */
  match(segments: readonly string[]): Record<string, string> | undefined;
  /** Builds a path from parameters (segments as captured, not re-encoded). */
  build(params: Record<string, string>): string;
}

type Part = { kind: 'lit'; text: string } | { kind: 'param'; name: string } | { kind: 'any' } | { kind: 'rest' };

/** `/a/b/` → `['a', 'b', '']`; `/` → `['']`. */
export function splitPath(path: string): string[] {
  return path.slice(1).split('/');
}

export function compilePathPattern(text: string): PathPattern | string {
  if (!text.startsWith('/')) return `path pattern must start with "/", got ${JSON.stringify(text)}`;
  const raw = text === '/' ? [''] : text.slice(1).split('/');
  const parts: Part[] = [];
  const params: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i] as string;
    if (s === '*') {
      parts.push(i === raw.length - 1 && raw.length > 0 ? { kind: 'rest' } : { kind: 'any' });
      if (i === raw.length - 1) params.push('*');
    } else if (s.startsWith(':')) {
      const name = s.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `bad parameter name ${JSON.stringify(s)} in ${JSON.stringify(text)}`;
      if (params.includes(name)) return `parameter ${JSON.stringify(s)} appears twice in ${JSON.stringify(text)}`;
      parts.push({ kind: 'param', name });
      params.push(name);
    } else {
      parts.push({ kind: 'lit', text: s });
    }
  }
  const last = parts[parts.length - 1];
  const rest = last?.kind === 'rest';
  const fixed = rest ? parts.length - 1 : parts.length;
  return {
    text,
    params,
    match(segs: readonly string[]) {
      if (rest ? segs.length < fixed : segs.length !== fixed) return undefined;
      let out: Record<string, string> | undefined;
      for (let i = 0; i < fixed; i++) {
        const p = parts[i] as Part;
        const s = segs[i] as string;
        if (p.kind === 'lit') {
          if (p.text !== s) return undefined;
        } else if (p.kind === 'param') {
          if (s === '') return undefined;
          out ??= {};
          out[p.name] = s;
        } else if (s === '') return undefined;
      }
      out ??= {};
      if (rest) out['*'] = segs.slice(fixed).join('/');
      return out;
    },
    build(values: Record<string, string>) {
      let path = '';
      for (const p of parts) {
        if (p.kind === 'lit') path += `/${p.text}`;
        else if (p.kind === 'param') path += `/${values[p.name] ?? ''}`;
        else if (p.kind === 'rest') {
          const r = values['*'] ?? '';
          if (r !== '') path += `/${r}`;
        } else path += '/*';
      }
      return path === '' ? '/' : path;
    },
  };
}
