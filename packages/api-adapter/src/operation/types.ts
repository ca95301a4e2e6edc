/**
 * What every operation compiles to. A change is written once, in the upgrade direction (older →
 * newer); each operation compiles to an `up` and a `down` function, and the chain applies `down`s
 * in reverse order to go the other way.
 */
import type { Box } from '../pointer/index.js';
import type { ScriptPool } from './script-pool.js';

/** Headers as Node and undici give them: lower-case names; `set-cookie` may be an array. */
export type Headers = Record<string, string | string[] | undefined>;

export interface RequestHead {
  method: string;
  /** The path without the query string and without the version path prefix. */
  path: string;
  /** The raw query string without `?` (`''` when there is none). */
  query: string;
  headers: Headers;
}

export interface ResponseHead {
  status: number;
  headers: Headers;
}

/** Facts about the exchange an operation (mostly an escape-hatch script) may look at. */
export interface OpContext {
  method: string;
  path: string;
  /** The response status as the operation sees it; absent for requests. */
  status?: number;
  /** `request` or `response`. */
  message: 'request' | 'response';
  /** Called when a resource walk stopped at its depth or node limit (for the metric). */
  walkLimit?: (limit: 'depth' | 'nodes') => void;
}

/** Synchronous, except `script` (it runs in a worker): callers await what it returns. */
export type BodyFn = (box: Box, ctx: OpContext) => void | Promise<void>;
export type RequestFn = (req: RequestHead) => void;
export type ResponseFn = (res: ResponseHead) => void;

export interface Invertible<F> {
  up: F;
  down: F;
  /** One Markdown line for the changelog, saying what the downgrade does when it is lossy. */
  summary: string;
}

export type BodyOp = Invertible<BodyFn>;
export type RequestOp = Invertible<RequestFn>;
export type ResponseOp = Invertible<ResponseFn>;

/** Where an operation is in the config (`versions.0.changes.1.body.2`) and how to report problems. */
export interface CompileContext {
  at: string;
  issue(path: string, message: string): void;
  /**
   * Resolves a file path from the config relative to the config file's directory; undefined when
   * files cannot be resolved yet (config rules run before the config file's location is known),
   * in which case operations check only what they can without reading files.
   */
  resolvePath(path: string): string | undefined;
  /** Where `script` operations register to run (the engine's pool). */
  scripts?: ScriptPool;
  /** The declared resources (`resources[]`) by name, and the bounds of their walk. */
  resources?: ReadonlyMap<string, (obj: Record<string, unknown>) => boolean>;
  walkLimits?: { maxDepth: number; maxNodes: number };
}

export function jsonText(v: unknown): string {
  return JSON.stringify(v);
}

/** A fresh copy of a JSON value for each insertion, so documents never share objects. */
export function cloner(value: unknown): () => unknown {
  if (value === null || typeof value !== 'object') return () => value;
  const text = JSON.stringify(value);
  return () => JSON.parse(text);
}
