/**
 * Header operations, for requests (in a change's `request` list) or responses (`response` list):
 *  - `rename_header {from, to}`: invertible.
 *  - `set_header {name, value}`: the newer version carries the header; the downgrade removes it.
 *  - `remove_header {name, default?}`: the newer version does not; the downgrade sets `default`
 *    when given, otherwise leaves it absent.
 * Names are case-insensitive (stored lower-case, as Node and undici deliver them).
 */
import type { CompileContext, Headers, Invertible } from './types.js';

export interface RenameHeaderSpec {
  type: 'rename_header';
  from: string;
  to: string;
}
export interface SetHeaderSpec {
  type: 'set_header';
  name: string;
  value: string;
}
export interface RemoveHeaderSpec {
  type: 'remove_header';
  name: string;
  default?: string;
}
export type HeaderSpec = RenameHeaderSpec | SetHeaderSpec | RemoveHeaderSpec;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-encoding']);

type HeaderFn = (h: { headers: Headers }) => void;

function name(ctx: CompileContext, key: string, v: unknown): string | undefined {
  if (typeof v !== 'string' || !TOKEN.test(v)) {
    ctx.issue(`${ctx.at}.${key}`, `must be a header name, got ${JSON.stringify(v)}`);
    return undefined;
  }
  const n = v.toLowerCase();
  if (FORBIDDEN.has(n)) {
    ctx.issue(`${ctx.at}.${key}`, `${n} is managed by the adapter and cannot be changed by a header operation`);
    return undefined;
  }
  return n;
}

const rename =
  (a: string, b: string): HeaderFn =>
  (m) => {
    const v = m.headers[a];
    if (v === undefined) return;
    m.headers[a] = undefined;
    m.headers[b] = v;
  };
const set =
  (n: string, v: string): HeaderFn =>
  (m) => {
    m.headers[n] = v;
  };
const drop =
  (n: string): HeaderFn =>
  (m) => {
    m.headers[n] = undefined;
  };
const fill =
  (n: string, v: string): HeaderFn =>
  (m) => {
    if (m.headers[n] === undefined) m.headers[n] = v;
  };

export function compileHeader(spec: HeaderSpec, ctx: CompileContext): Invertible<HeaderFn> | undefined {
  switch (spec.type) {
    case 'rename_header': {
      const a = name(ctx, 'from', spec.from);
      const b = name(ctx, 'to', spec.to);
      if (!a || !b) return undefined;
      return { up: rename(a, b), down: rename(b, a), summary: `header \`${a}\` is renamed to \`${b}\`` };
    }
    case 'set_header': {
      const n = name(ctx, 'name', spec.name);
      if (!n) return undefined;
      if (typeof spec.value !== 'string' || /[\r\n]/.test(spec.value)) {
        ctx.issue(`${ctx.at}.value`, 'must be a single-line string');
        return undefined;
      }
      return { up: set(n, spec.value), down: drop(n), summary: `header \`${n}: ${spec.value}\` is set (removed for older versions)` };
    }
    case 'remove_header': {
      const n = name(ctx, 'name', spec.name);
      if (!n) return undefined;
      const d = spec.default;
      return {
        up: drop(n),
        down: d === undefined ? () => {} : fill(n, d),
        summary: `header \`${n}\` is removed${d === undefined ? '' : ` (older versions get \`${d}\`)`}`,
      };
    }
  }
}
