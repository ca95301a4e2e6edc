/** Parses pointer arguments of operations, reporting problems at the operation's config path. */
import { PointerError, parsePointer, type Segment } from '../pointer/index.js';
import type { CompileContext } from './types.js';

export function pointerArg(ctx: CompileContext, key: string, text: unknown): Segment[] | undefined {
  if (typeof text !== 'string') {
    ctx.issue(`${ctx.at}.${key}`, 'must be a JSON pointer string');
    return undefined;
  }
  try {
    return parsePointer(text);
  } catch (err) {
    ctx.issue(`${ctx.at}.${key}`, err instanceof PointerError ? err.message : String(err));
    return undefined;
  }
}

/** A pointer that must end in a key (not `*`, not the whole document). */
export function keyPointerArg(ctx: CompileContext, key: string, text: unknown): { parent: Segment[]; key: string } | undefined {
  const segs = pointerArg(ctx, key, text);
  if (!segs) return undefined;
  const last = segs[segs.length - 1];
  if (typeof last !== 'string') {
    ctx.issue(`${ctx.at}.${key}`, 'must end with an object key (not "*" and not the whole document)');
    return undefined;
  }
  return { parent: segs.slice(0, -1), key: last };
}

export function sameSegments(a: readonly Segment[], b: readonly Segment[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
