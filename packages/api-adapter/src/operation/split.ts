/**
 * `split` / `join`: one string field becomes several (`name` → `given_name` + `family_name`) or
 * the reverse. The string is cut at the first `into.length - 1` separators, so the last part keeps
 * the rest ("Ada van Lovelace" → "Ada", "van Lovelace"); parts that do not exist are not set, and
 * joining skips absent parts, so a split followed by a join gives back the original string.
 * The new fields take the old field's position when they live in the same object.
 */
import {
  assignKey,
  type Box,
  type Container,
  compileWalker,
  getPath,
  isObject,
  MISSING,
  pruneEmpty,
  removeUnder,
  setPath,
  setSlot,
  splitScope,
} from '../pointer/index.js';
import { pointerArg } from './pointer-arg.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface SplitSpec {
  type: 'split';
  from: string;
  into: string[];
  separator: string;
}

export interface JoinSpec {
  type: 'join';
  from: string[];
  into: string;
  separator: string;
}

function cut(text: string, sep: string, n: number): string[] {
  if (n === 2) {
    const i = text.indexOf(sep);
    return i < 0 ? [text] : [text.slice(0, i), text.slice(i + sep.length)];
  }
  const parts: string[] = [];
  let rest = text;
  while (parts.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return parts;
}

/**
 * Rebuilds `obj` without the `remove` keys, with `entries` placed where the first removed key
 * was (entries with an undefined value are skipped). One pass, no per-key searches.
 */
function replaceKeys(
  obj: Record<string, unknown>,
  remove: ReadonlySet<string>,
  keys: readonly string[],
  values: readonly unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const k in obj) {
    if (remove.has(k)) {
      if (!placed) {
        placed = true;
        for (let i = 0; i < keys.length; i++) if (values[i] !== undefined) assignKey(out, keys[i] as string, values[i]);
      }
    } else if (k === '__proto__') assignKey(out, k, obj[k]);
    else out[k] = obj[k];
  }
  return out;
}

interface Shape {
  walk: ReturnType<typeof compileWalker>;
  whole: string[];
  parts: string[][];
  /** When every path is a key of the same object, the keys (fast, order-keeping path). */
  flat: boolean;
}

function splitter(s: Shape, sep: string): BodyFn {
  const n = s.parts.length;
  const partKeys = s.parts.map((p) => p[0] as string);
  const wholeKey = s.whole[0] as string;
  // The whole field and the parts it becomes: every one of them is replaced.
  const remove = new Set([wholeKey, ...partKeys]);
  return (box: Box) =>
    s.walk(box, (container: Container, key) => {
      const node = (container as Record<string | number, unknown>)[key];
      if (s.flat) {
        if (!isObject(node) || !Object.hasOwn(node, wholeKey)) return;
        const v = node[wholeKey];
        if (typeof v !== 'string') return;
        const pieces = cut(v, sep, n);
        setSlot(container, key, replaceKeys(node, remove, partKeys, pieces));
        return;
      }
      const v = getPath(node, s.whole);
      if (typeof v !== 'string') return;
      const pieces = cut(v, sep, n);
      for (let i = 0; i < pieces.length; i++) if (!setPath(node, s.parts[i] as string[], pieces[i])) return;
      removeUnder(container, key, s.whole);
      pruneEmpty(container, key, s.whole);
    });
}

function joiner(s: Shape, sep: string): BodyFn {
  const partKeys = s.parts.map((p) => p[0] as string);
  const wholeKey = s.whole[0] as string;
  const remove = new Set([wholeKey, ...partKeys]);
  const wholeKeys = [wholeKey];
  return (box: Box) =>
    s.walk(box, (container: Container, key) => {
      const node = (container as Record<string | number, unknown>)[key];
      const pieces: string[] = [];
      if (s.flat) {
        if (!isObject(node)) return;
        for (const k of partKeys) {
          if (!Object.hasOwn(node, k)) continue;
          const v = node[k];
          if (v === null) continue;
          if (typeof v !== 'string') return; // not ours to join: leave the document alone
          pieces.push(v);
        }
        if (pieces.length === 0) return;
        setSlot(container, key, replaceKeys(node, remove, wholeKeys, [pieces.join(sep)]));
        return;
      }
      for (const p of s.parts) {
        const v = getPath(node, p);
        if (v === MISSING || v === null) continue;
        if (typeof v !== 'string') return;
        pieces.push(v);
      }
      if (pieces.length === 0) return;
      if (!setPath(node, s.whole, pieces.join(sep))) return;
      for (const p of s.parts) {
        removeUnder(container, key, p);
        pruneEmpty(container, key, p);
      }
    });
}

function shape(ctx: CompileContext, wholeKey: string, whole: string, partsKey: string, parts: unknown): Shape | undefined {
  const w = pointerArg(ctx, wholeKey, whole);
  if (!Array.isArray(parts) || parts.length < 2) {
    ctx.issue(`${ctx.at}.${partsKey}`, 'must list at least two pointers');
    return undefined;
  }
  const ps = parts.map((p, i) => pointerArg(ctx, `${partsKey}[${i}]`, p));
  if (!w || ps.some((p) => !p)) return undefined;
  const sc = splitScope([w, ...(ps as NonNullable<(typeof ps)[number]>[])]);
  if ('error' in sc) {
    ctx.issue(`${ctx.at}.${partsKey}`, sc.error);
    return undefined;
  }
  const [wt, ...pt] = sc.tails as [string[], ...string[][]];
  const flat = [wt, ...pt].every((t) => t.length === 1);
  return { walk: compileWalker(sc.scope), whole: wt, parts: pt, flat };
}

export function compileSplit(spec: SplitSpec, ctx: CompileContext): BodyOp | undefined {
  const s = shape(ctx, 'from', spec.from, 'into', spec.into);
  if (!s || !checkSep(spec.separator, ctx)) return undefined;
  return {
    up: splitter(s, spec.separator),
    down: joiner(s, spec.separator),
    summary: `\`${spec.from}\` is split into ${spec.into.map((p) => `\`${p}\``).join(', ')}`,
  };
}

export function compileJoin(spec: JoinSpec, ctx: CompileContext): BodyOp | undefined {
  const s = shape(ctx, 'into', spec.into, 'from', spec.from);
  if (!s || !checkSep(spec.separator, ctx)) return undefined;
  return {
    up: joiner(s, spec.separator),
    down: splitter(s, spec.separator),
    summary: `${spec.from.map((p) => `\`${p}\``).join(', ')} are joined into \`${spec.into}\``,
  };
}

function checkSep(sep: unknown, ctx: CompileContext): boolean {
  if (typeof sep !== 'string' || sep === '') {
    ctx.issue(`${ctx.at}.separator`, 'must be a non-empty string');
    return false;
  }
  return true;
}
