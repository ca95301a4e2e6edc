/**
 * `map_values`: enum renames (`active` → `enabled`). The map must be one-to-one so that the
 * downgrade is its inverse; values not in the map pass unchanged.
 */
import { type Box, compileWalker, setSlot } from '../pointer/index.js';
import { pointerArg } from './pointer-arg.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface MapValuesSpec {
  type: 'map_values';
  path: string;
  map: Record<string, string | number | boolean | null>;
}

/** Values are compared by type and value: the key `"1"` matches the string "1", not the number 1. */
function mapper(walk: ReturnType<typeof compileWalker>, table: Map<unknown, unknown>): BodyFn {
  return (box: Box) =>
    walk(box, (container, key) => {
      const v = (container as Record<string | number, unknown>)[key];
      if (table.has(v)) setSlot(container, key, table.get(v));
    });
}

export function compileMapValues(spec: MapValuesSpec, ctx: CompileContext): BodyOp | undefined {
  const segs = pointerArg(ctx, 'path', spec.path);
  if (!segs) return undefined;
  if (segs.length === 0) {
    ctx.issue(`${ctx.at}.path`, 'must name a value inside the document, not the whole document');
    return undefined;
  }
  const up = new Map<unknown, unknown>();
  const down = new Map<unknown, unknown>();
  let ok = true;
  for (const [from, to] of Object.entries(spec.map ?? {})) {
    if (down.has(to)) {
      ctx.issue(`${ctx.at}.map.${from}`, `maps to ${JSON.stringify(to)} like another key; the map must be one-to-one to be invertible`);
      ok = false;
    }
    up.set(from, to);
    down.set(to, from);
  }
  if (!ok) return undefined;
  if (up.size === 0) {
    ctx.issue(`${ctx.at}.map`, 'must map at least one value');
    return undefined;
  }
  const walk = compileWalker(segs);
  const pairs = [...up].map(([a, b]) => `\`${a}\` → \`${JSON.stringify(b)}\``).join(', ');
  return { up: mapper(walk, up), down: mapper(walk, down), summary: `values of \`${spec.path}\` are renamed: ${pairs}` };
}
