/** Path and header rewrites of a route: pure. */
import type { HeaderOpsConfig } from '../schema.js';

/** Rewrites `path` (which starts with `prefix` when `prefix` is set): strip or replace the prefix. */
export function rewritePath(path: string, prefix: string | undefined, strip: boolean, replacement: string | undefined): string {
  if (prefix === undefined) return path;
  if (replacement !== undefined) return joinPath(replacement, path.slice(prefix.length));
  if (strip) return joinPath('/', path.slice(prefix.length));
  return path;
}

function joinPath(base: string, rest: string): string {
  if (rest === '') return base;
  if (base.endsWith('/')) return rest.startsWith('/') ? base + rest.slice(1) : base + rest;
  if (rest.startsWith('/') || rest.startsWith('?')) return base + rest;
  return `${base}/${rest}`;
}

/** Header operations compiled once: lower-case names, applied to a flat [name, value, ...] list. */
export class HeaderRewriter {
  readonly #remove: Set<string>;
  readonly #set: [string, string][];
  readonly #add: [string, string][];
  readonly empty: boolean;

  constructor(ops: HeaderOpsConfig | undefined) {
    const set = Object.entries(ops?.set ?? {}).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
    this.#set = set;
    this.#add = Object.entries(ops?.add ?? {}).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
    this.#remove = new Set([...(ops?.remove ?? []).map((h) => h.toLowerCase()), ...set.map(([k]) => k)]);
    this.empty = this.#remove.size === 0 && this.#add.length === 0;
  }

  /** Whether `lowerName` is dropped (removed or replaced by a `set`). */
  drops(lowerName: string): boolean {
    return this.#remove.has(lowerName);
  }

  /** Appends the `set` and `add` headers to a flat list. */
  appendTo(flat: string[]): void {
    for (const [k, v] of this.#set) flat.push(k, v);
    for (const [k, v] of this.#add) flat.push(k, v);
  }
}
