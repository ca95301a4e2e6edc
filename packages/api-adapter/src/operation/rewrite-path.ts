/**
 * `rewrite_path`: the endpoint moved (`/customers/:id/name` → `/clients/:id/full-name`). Both
 * patterns must have the same `:params`; a trailing `*` carries the rest of the path along.
 * Requests only. Invertible.
 */
import { compilePathPattern, type PathPattern, splitPath } from '../version/path-pattern.js';
import type { CompileContext, RequestFn, RequestHead, RequestOp } from './types.js';

export interface RewritePathSpec {
  type: 'rewrite_path';
  from: string;
  to: string;
}

function rewriter(a: PathPattern, b: PathPattern): RequestFn {
  return (req: RequestHead) => {
    const params = a.match(splitPath(req.path));
    if (params) req.path = b.build(params);
  };
}

export function compileRewritePath(spec: RewritePathSpec, ctx: CompileContext): RequestOp | undefined {
  const a = compilePathPattern(spec.from);
  const b = compilePathPattern(spec.to);
  let ok = true;
  for (const [k, p] of [
    ['from', a],
    ['to', b],
  ] as const) {
    if (typeof p === 'string') {
      ctx.issue(`${ctx.at}.${k}`, p);
      ok = false;
    } else if (/\/\*(?=\/)/.test(p.text)) {
      ctx.issue(`${ctx.at}.${k}`, 'only a trailing "*" can be carried to the other path; name the segment with ":param"');
      ok = false;
    }
  }
  if (!ok) return undefined;
  const pa = a as PathPattern;
  const pb = b as PathPattern;
  if ([...pa.params].sort().join() !== [...pb.params].sort().join()) {
    ctx.issue(`${ctx.at}.to`, `must use the same parameters as \`from\` (${pa.params.join(', ') || 'none'})`);
    return undefined;
  }
  return { up: rewriter(pa, pb), down: rewriter(pb, pa), summary: `\`${spec.from}\` moved to \`${spec.to}\`` };
}
