/**
 * Resources (the Stripe/Cadwyn model): a change written against a resource ("a customer's
 * `name` became `given_name` + `family_name`") applies to every object in a body that is one —
 * a single object, the items of a list, an object embedded at any depth — with pointers relative
 * to that object. An object is recognised by a discriminator (`match: { object: customer }`) and/or
 * fields that must be present (`fields: [id, email]`).
 *
 * The walk is bounded: past `max_depth` levels it does not descend, past `max_nodes` objects and
 * arrays it stops; either limit is reported (counted) and what lies beyond stays unchanged.
 */
import type { AdapterConfig } from '../config.js';
import type { BodyFn, OpContext } from '../operation/types.js';
import { type Box, type Container, setSlot } from '../pointer/index.js';

export type ResourceConfig = AdapterConfig['resources'][number];
export type Recogniser = (obj: Record<string, unknown>) => boolean;
export type WalkLimit = 'depth' | 'nodes';

export interface WalkLimits {
  maxDepth: number;
  maxNodes: number;
}

export function compileRecogniser(r: ResourceConfig): Recogniser {
  const pairs = Object.entries(r.match ?? {});
  const fields = r.fields ?? [];
  return (obj) => {
    for (const [k, v] of pairs) if (!Object.hasOwn(obj, k) || obj[k] !== v) return false;
    for (const f of fields) if (!Object.hasOwn(obj, f)) return false;
    return true;
  };
}

/**
 * The slots holding an object the recogniser accepts, parents before children (so that applying
 * them in reverse changes children first: a parent rebuilt afterwards still holds them).
 */
export function findResources(
  box: Box,
  recognise: Recogniser,
  limits: WalkLimits,
  onLimit?: (limit: WalkLimit) => void,
): { container: Container; key: string | number }[] {
  const found: { container: Container; key: string | number }[] = [];
  const containers: Container[] = [box as unknown as Container];
  const keys: (string | number)[] = ['v'];
  const depths: number[] = [0];
  let nodes = 0;
  let deep = false;
  while (containers.length > 0) {
    const container = containers.pop() as Container;
    const key = keys.pop() as string | number;
    const depth = depths.pop() as number;
    const node = (container as Record<string | number, unknown>)[key];
    if (++nodes > limits.maxNodes) {
      onLimit?.('nodes');
      break;
    }
    const array = Array.isArray(node);
    if (!array && recognise(node as Record<string, unknown>)) found.push({ container, key });
    if (depth >= limits.maxDepth) {
      deep = true;
      continue;
    }
    if (array) {
      const a = node as unknown[];
      for (let i = a.length - 1; i >= 0; i--) {
        const c = a[i];
        if (c !== null && typeof c === 'object') {
          containers.push(a);
          keys.push(i);
          depths.push(depth + 1);
        }
      }
    } else {
      const o = node as Record<string, unknown>;
      for (const k in o) {
        const c = o[k];
        if (c !== null && typeof c === 'object') {
          containers.push(o);
          keys.push(k);
          depths.push(depth + 1);
        }
      }
    }
  }
  if (deep) onLimit?.('depth');
  return found;
}

/** One body function applying `fns` (relative to the resource) to every resource in the body. */
export function resourceFn(recognise: Recogniser, fns: readonly BodyFn[], limits: WalkLimits): BodyFn {
  return (box: Box, ctx: OpContext) => {
    if (box.v === null || typeof box.v !== 'object') return;
    const found = findResources(box, recognise, limits, ctx.walkLimit);
    for (let i = found.length - 1; i >= 0; i--) {
      const { container, key } = found[i] as { container: Container; key: string | number };
      const sub: Box = { v: (container as Record<string | number, unknown>)[key] };
      for (const fn of fns) fn(sub, ctx);
      setSlot(container, key, sub.v);
    }
  };
}
