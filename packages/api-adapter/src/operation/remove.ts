/**
 * `remove`: the newer version no longer has a field. Lossy: the downgrade puts `default` back
 * when one is configured, and otherwise leaves the field absent.
 */
import { assignKey, type Box, compileWalker, isObject, removeUnder } from '../pointer/index.js';
import { keyPointerArg } from './pointer-arg.js';
import { type BodyOp, type CompileContext, cloner, jsonText } from './types.js';

export interface RemoveSpec {
  type: 'remove';
  path: string;
  default?: unknown;
}

export function compileRemove(spec: RemoveSpec, ctx: CompileContext): BodyOp | undefined {
  const p = keyPointerArg(ctx, 'path', spec.path);
  if (!p) return undefined;
  const walk = compileWalker(p.parent);
  const key = p.key;
  const tail = [key];
  const hasDefault = spec.default !== undefined;
  const make = cloner(spec.default);
  return {
    up: (box: Box) => walk(box, (container, k) => void removeUnder(container, k, tail)),
    down: hasDefault
      ? (box: Box) =>
          walk(box, (container, k) => {
            const node = (container as Record<string | number, unknown>)[k];
            if (isObject(node) && !Object.hasOwn(node, key)) {
              assignKey(node, key, make());
            }
          })
      : () => {},
    summary: hasDefault
      ? `\`${spec.path}\` is removed (older versions get \`${jsonText(spec.default)}\`)`
      : `\`${spec.path}\` is removed (older versions do not get it back)`,
  };
}
