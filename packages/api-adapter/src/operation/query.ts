/**
 * Query-parameter operations (requests only): `rename_query {from, to}` (invertible),
 * `set_query {name, value}` (the downgrade removes it), `remove_query {name, default?}` (the
 * downgrade sets `default` when given). The query string is re-encoded only when an operation
 * actually changes it.
 */
import type { CompileContext, RequestHead, RequestOp } from './types.js';

export interface RenameQuerySpec {
  type: 'rename_query';
  from: string;
  to: string;
}
export interface SetQuerySpec {
  type: 'set_query';
  name: string;
  value: string;
}
export interface RemoveQuerySpec {
  type: 'remove_query';
  name: string;
  default?: string;
}
export type QuerySpec = RenameQuerySpec | SetQuerySpec | RemoveQuerySpec;

type Edit = (q: URLSearchParams) => boolean;

function edit(fn: Edit) {
  return (req: RequestHead) => {
    const q = new URLSearchParams(req.query);
    if (fn(q)) req.query = q.toString();
  };
}

const rename =
  (a: string, b: string): Edit =>
  (q) => {
    if (!q.has(a)) return false;
    const values = q.getAll(a);
    q.delete(a);
    q.delete(b);
    for (const v of values) q.append(b, v);
    return true;
  };
const set =
  (n: string, v: string): Edit =>
  (q) => {
    q.set(n, v);
    return true;
  };
const drop =
  (n: string): Edit =>
  (q) => {
    if (!q.has(n)) return false;
    q.delete(n);
    return true;
  };
const fill =
  (n: string, v: string): Edit =>
  (q) => {
    if (q.has(n)) return false;
    q.set(n, v);
    return true;
  };

function nonEmpty(ctx: CompileContext, key: string, v: unknown): v is string {
  if (typeof v === 'string' && v !== '') return true;
  ctx.issue(`${ctx.at}.${key}`, 'must be a non-empty string');
  return false;
}

export function compileQuery(spec: QuerySpec, ctx: CompileContext): RequestOp | undefined {
  switch (spec.type) {
    case 'rename_query':
      if (!nonEmpty(ctx, 'from', spec.from) || !nonEmpty(ctx, 'to', spec.to)) return undefined;
      return {
        up: edit(rename(spec.from, spec.to)),
        down: edit(rename(spec.to, spec.from)),
        summary: `query \`${spec.from}\` is renamed to \`${spec.to}\``,
      };
    case 'set_query':
      if (!nonEmpty(ctx, 'name', spec.name) || typeof spec.value !== 'string') return undefined;
      return {
        up: edit(set(spec.name, spec.value)),
        down: edit(drop(spec.name)),
        summary: `query \`${spec.name}=${spec.value}\` is set (removed for older versions)`,
      };
    case 'remove_query': {
      if (!nonEmpty(ctx, 'name', spec.name)) return undefined;
      const d = spec.default;
      return {
        up: edit(drop(spec.name)),
        down: d === undefined ? () => {} : edit(fill(spec.name, d)),
        summary: `query \`${spec.name}\` is removed${d === undefined ? '' : ` (older versions get \`${d}\`)`}`,
      };
    }
  }
}
