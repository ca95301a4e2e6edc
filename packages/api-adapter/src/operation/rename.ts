/** `rename`: a key changes its name in place (key order kept). Invertible. */
import { type Box, compileWalker, isObject, setSlot, withRenamedKey } from '../pointer/index.js';
import { keyPointerArg, sameSegments } from './pointer-arg.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface RenameSpec {
  type: 'rename';
  from: string;
  to: string;
}

export function renameFn(walk: ReturnType<typeof compileWalker>, from: string, to: string): BodyFn {
  return (box: Box) =>
    walk(box, (container, key) => {
      const node = (container as Record<string | number, unknown>)[key];
      if (isObject(node) && Object.hasOwn(node, from)) setSlot(container, key, withRenamedKey(node, from, to));
    });
}

export function compileRename(spec: RenameSpec, ctx: CompileContext): BodyOp | undefined {
  const from = keyPointerArg(ctx, 'from', spec.from);
  const to = keyPointerArg(ctx, 'to', spec.to);
  if (!from || !to) return undefined;
  if (!sameSegments(from.parent, to.parent)) {
    ctx.issue(`${ctx.at}.to`, 'rename keeps a value in the same object; use `type: move` to change its parent');
    return undefined;
  }
  const walk = compileWalker(from.parent);
  return {
    up: renameFn(walk, from.key, to.key),
    down: renameFn(walk, to.key, from.key),
    summary: `\`${spec.from}\` is renamed to \`${spec.to}\``,
  };
}
