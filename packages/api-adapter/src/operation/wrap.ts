/**
 * `wrap` / `unwrap`: a value gains or loses an enclosing object (`"amount": 5` ↔
 * `"amount": {"value": 5}`; with `path: ""` the whole body, e.g. a bare list ↔ `{"data": [...]}`).
 * Each is the other's inverse; unwrapping an object that has other keys besides `key` drops them.
 */
import { assignKey, type Box, compileWalker, isObject, setSlot } from '../pointer/index.js';
import { pointerArg } from './pointer-arg.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface WrapSpec {
  type: 'wrap' | 'unwrap';
  path: string;
  key: string;
}

function wrapper(walk: ReturnType<typeof compileWalker>, key: string): BodyFn {
  return (box: Box) =>
    walk(box, (container, k) => {
      const o: Record<string, unknown> = {};
      assignKey(o, key, (container as Record<string | number, unknown>)[k]);
      setSlot(container, k, o);
    });
}

function unwrapper(walk: ReturnType<typeof compileWalker>, key: string): BodyFn {
  return (box: Box) =>
    walk(box, (container, k) => {
      const v = (container as Record<string | number, unknown>)[k];
      if (isObject(v) && Object.hasOwn(v, key)) setSlot(container, k, v[key]);
    });
}

export function compileWrap(spec: WrapSpec, ctx: CompileContext): BodyOp | undefined {
  const segs = pointerArg(ctx, 'path', spec.path);
  if (!segs) return undefined;
  if (typeof spec.key !== 'string' || spec.key === '') {
    ctx.issue(`${ctx.at}.key`, 'must be a non-empty object key');
    return undefined;
  }
  const walk = compileWalker(segs);
  const w = wrapper(walk, spec.key);
  const u = unwrapper(walk, spec.key);
  const where = spec.path === '' ? 'the body' : `\`${spec.path}\``;
  return spec.type === 'wrap'
    ? { up: w, down: u, summary: `${where} is wrapped in \`{"${spec.key}": …}\`` }
    : { up: u, down: w, summary: `${where} is unwrapped from \`{"${spec.key}": …}\`` };
}
