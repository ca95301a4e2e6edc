/** The transform registry, keyed by the config's `type`. */
import { addFields } from './add-fields.js';
import { filter } from './filter.js';
import { redact } from './redact.js';
import { remove } from './remove.js';
import { rename } from './rename.js';
import type { TransformFactory } from './transform.js';

export const transformFactories: readonly TransformFactory[] = [addFields, rename, remove, filter, redact];

/** The registry keyed by the config's `type`. */
export const transformRegistry: ReadonlyMap<string, TransformFactory> = new Map(transformFactories.map((f) => [f.type, f]));

export function transformFactory(type: string): TransformFactory | undefined {
  return transformRegistry.get(type);
}

export type { TransformFactory, TransformFn } from './transform.js';
