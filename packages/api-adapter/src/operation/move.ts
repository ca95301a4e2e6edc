/**
 * `move`: a value moves to another place in the document (`/address/city` → `/city`). Within one
 * array element only: both pointers share their wildcards. Invertible; objects created to hold the
 * moved value stay behind, empty, when it moves back.
 */
import { type Box, compileWalker, getPath, MISSING, pruneEmpty, removeUnder, setPath, splitScope } from '../pointer/index.js';
import { pointerArg, sameSegments } from './pointer-arg.js';
import { renameFn } from './rename.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface MoveSpec {
  type: 'move';
  from: string;
  to: string;
}

function isPrefix(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}

export function compileMove(spec: MoveSpec, ctx: CompileContext): BodyOp | undefined {
  const from = pointerArg(ctx, 'from', spec.from);
  const to = pointerArg(ctx, 'to', spec.to);
  if (!from || !to) return undefined;
  if (isPrefix(from, to) || isPrefix(to, from)) {
    ctx.issue(`${ctx.at}.to`, '`from` and `to` must not contain one another');
    return undefined;
  }
  const summary = `\`${spec.from}\` moves to \`${spec.to}\``;
  const lastFrom = from[from.length - 1];
  const lastTo = to[to.length - 1];
  if (typeof lastFrom === 'string' && typeof lastTo === 'string' && sameSegments(from.slice(0, -1), to.slice(0, -1))) {
    const walk = compileWalker(from.slice(0, -1));
    return { up: renameFn(walk, lastFrom, lastTo), down: renameFn(walk, lastTo, lastFrom), summary };
  }
  const split = splitScope([from, to]);
  if ('error' in split) {
    ctx.issue(`${ctx.at}.to`, split.error);
    return undefined;
  }
  const walk = compileWalker(split.scope);
  const [fromTail, toTail] = split.tails as [string[], string[]];
  const mover = (src: string[], dst: string[]): BodyFn => {
    return (box: Box) =>
      walk(box, (container, key) => {
        const node = (container as Record<string | number, unknown>)[key];
        const value = getPath(node, src);
        if (value === MISSING) return;
        // Set first: if the destination cannot hold it (a string in the way), nothing is lost.
        if (!setPath(node, dst, value)) return;
        removeUnder(container, key, src);
        pruneEmpty(container, key, src);
      });
  };
  return { up: mover(fromTail, toTail), down: mover(toTail, fromTail), summary };
}
