/**
 * Compiled walkers over JSON documents. A walker is built once from a pointer and visits every
 * existing slot `(container, key)` the pointer names, expanding `*` over array elements.
 * Documents are held in a box (`{ v: document }`) so that the root itself is a slot and can be
 * replaced.
 */
import { ANY, type Segment } from './parse.js';

export type Container = Record<string, unknown> | unknown[];
export type Visit = (container: Container, key: string | number) => void;
export type Walker = (box: Box, visit: Visit) => void;
export interface Box {
  v: unknown;
}

type Step = (node: unknown, visit: Visit) => void;

const INDEX = /^(?:0|[1-9]\d*)$/;

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads a literal key of an object or a canonical index of an array; `undefined` if absent. */
function child(node: unknown, key: string): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) return INDEX.test(key) ? node[Number(key)] : undefined;
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

function build(segs: readonly Segment[], i: number): Step {
  const s = segs[i] as Segment;
  if (i === segs.length - 1) {
    if (s === ANY) {
      return (node, visit) => {
        if (Array.isArray(node)) for (let j = 0; j < node.length; j++) visit(node, j);
      };
    }
    const index = INDEX.test(s) ? Number(s) : -1;
    return (node, visit) => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        if (index >= 0 && index < node.length) visit(node, index);
      } else if (Object.hasOwn(node, s)) visit(node as Record<string, unknown>, s);
    };
  }
  const next = build(segs, i + 1);
  if (s === ANY) {
    return (node, visit) => {
      if (Array.isArray(node)) for (let j = 0; j < node.length; j++) next(node[j], visit);
    };
  }
  return (node, visit) => {
    const c = child(node, s);
    if (c !== undefined) next(c, visit);
  };
}

/** A walker visiting the slots named by `segments` (relative to the document root). */
export function compileWalker(segments: readonly Segment[]): Walker {
  const step = build(['v', ...segments], 0);
  return (box, visit) => step(box, visit);
}

/** `MISSING` distinguishes an absent key from a present `undefined`-free JSON value. */
export const MISSING: unique symbol = Symbol('missing');

export function getPath(node: unknown, path: readonly string[]): unknown | typeof MISSING {
  let cur = node;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return MISSING;
    if (Array.isArray(cur)) {
      if (!INDEX.test(k) || Number(k) >= cur.length) return MISSING;
      cur = cur[Number(k)];
    } else {
      if (!Object.hasOwn(cur, k)) return MISSING;
      cur = (cur as Record<string, unknown>)[k];
    }
  }
  return cur;
}

/** Assigns a key on a plain object; `__proto__` becomes an own property instead of the prototype. */
export function assignKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Sets `path` under `node`, creating objects on the way. Returns false (and changes nothing) when
 * something on the way is not an object, e.g. a string where an object was expected.
 */
export function setPath(node: unknown, path: readonly string[], value: unknown): boolean {
  let cur = node;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    if (!isObject(cur)) {
      if (Array.isArray(cur) && INDEX.test(k) && Number(k) < cur.length) {
        cur = cur[Number(k)];
        continue;
      }
      return false;
    }
    let next = Object.hasOwn(cur, k) ? cur[k] : undefined;
    if (next === undefined) {
      next = {};
      assignKey(cur, k, next);
    }
    cur = next;
  }
  const last = path[path.length - 1] as string;
  if (isObject(cur)) {
    assignKey(cur, last, value);
    return true;
  }
  if (Array.isArray(cur) && INDEX.test(last) && Number(last) < cur.length) {
    cur[Number(last)] = value;
    return true;
  }
  return false;
}

/**
 * A copy of `obj` without `key` (key order kept). Rebuilding instead of `delete` keeps V8's fast
 * object representation, which `JSON.stringify` serialises much faster.
 */
export function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    if (k === key) continue;
    if (k === '__proto__') assignKey(out, k, obj[k]);
    else out[k] = obj[k];
  }
  return out;
}

/** A copy of `obj` with `from` renamed to `to` at the same position. */
export function withRenamedKey(obj: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const special = from === '__proto__' || to === '__proto__';
  for (const k in obj) {
    if (k === from) {
      if (special) assignKey(out, to, obj[k]);
      else out[to] = obj[k];
    } else if (k !== to) {
      if (k === '__proto__') assignKey(out, k, obj[k]);
      else out[k] = obj[k];
    }
  }
  return out;
}

/**
 * Removes `tail` under the slot `container[key]` and returns the removed value (or MISSING).
 * The object that held the last key is rebuilt (see `withoutKey`) and put back into its slot.
 */
export function removeUnder(container: Container, key: string | number, tail: readonly string[]): unknown {
  const node = (container as Record<string | number, unknown>)[key];
  const k = tail[0] as string;
  if (tail.length === 1) {
    if (!isObject(node) || !Object.hasOwn(node, k)) return MISSING;
    const value = node[k];
    setSlot(container, key, withoutKey(node, k));
    return value;
  }
  if (isObject(node)) {
    if (!Object.hasOwn(node, k)) return MISSING;
    return removeUnder(node, k, tail.slice(1));
  }
  if (Array.isArray(node) && INDEX.test(k) && Number(k) < node.length) return removeUnder(node, Number(k), tail.slice(1));
  return MISSING;
}

/** Replaces the value in a slot. */
export function setSlot(container: Container, key: string | number, value: unknown): void {
  if (Array.isArray(container)) container[key as number] = value;
  else assignKey(container, key as string, value);
}

/** Removes objects along `path` (deepest first) that the move left empty. */
export function pruneEmpty(container: Container, key: string | number, path: readonly string[]): void {
  for (let depth = path.length - 1; depth >= 1; depth--) {
    const parent = path.slice(0, depth);
    const holder = getPath((container as Record<string | number, unknown>)[key], parent);
    if (!isObject(holder) || Object.keys(holder).length > 0) return;
    removeUnder(container, key, parent);
  }
}
