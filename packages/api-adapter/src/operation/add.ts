/**
 * `add`: the newer version has a new field. The upgrade sets `value` where the field is absent;
 * the downgrade drops the field (older versions never had it), unless `on_downgrade: keep`.
 */
import { assignKey, type Box, compileWalker, isObject, removeUnder } from '../pointer/index.js';
import { keyPointerArg } from './pointer-arg.js';
import { type BodyOp, type CompileContext, cloner, jsonText } from './types.js';

export interface AddSpec {
  type: 'add';
  path: string;
  value: unknown;
  on_downgrade?: 'drop' | 'keep';
}

export function compileAdd(spec: AddSpec, ctx: CompileContext): BodyOp | undefined {
  const p = keyPointerArg(ctx, 'path', spec.path);
  if (!p) return undefined;
  if (spec.value === undefined) {
    ctx.issue(`${ctx.at}.value`, 'is required: the value the upgrade sets where the field is absent');
    return undefined;
  }
  const walk = compileWalker(p.parent);
  const key = p.key;
  const tail = [key];
  const make = cloner(spec.value);
  const keep = spec.on_downgrade === 'keep';
  return {
    up: (box: Box) =>
      walk(box, (container, k) => {
        const node = (container as Record<string | number, unknown>)[k];
        if (isObject(node) && !Object.hasOwn(node, key)) {
          assignKey(node, key, make());
        }
      }),
    down: keep ? () => {} : (box: Box) => walk(box, (container, k) => void removeUnder(container, k, tail)),
    summary: `\`${spec.path}\` is added (default \`${jsonText(spec.value)}\`; ${keep ? 'kept' : 'dropped'} for older versions)`,
  };
}
