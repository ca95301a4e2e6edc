/** `set_method`: the endpoint takes another method (`POST` → `PUT`). Requests only. Invertible. */
import type { CompileContext, RequestHead, RequestOp } from './types.js';

export interface SetMethodSpec {
  type: 'set_method';
  from: string;
  to: string;
}

export function compileSetMethod(spec: SetMethodSpec, ctx: CompileContext): RequestOp | undefined {
  const from = String(spec.from ?? '').toUpperCase();
  const to = String(spec.to ?? '').toUpperCase();
  for (const [k, m] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!/^[A-Z]+$/.test(m)) {
      ctx.issue(`${ctx.at}.${k}`, `must be an HTTP method, got ${JSON.stringify(m)}`);
      return undefined;
    }
  }
  return {
    up: (req: RequestHead) => {
      if (req.method === from) req.method = to;
    },
    down: (req: RequestHead) => {
      if (req.method === to) req.method = from;
    },
    summary: `the method changes from ${from} to ${to}`,
  };
}
