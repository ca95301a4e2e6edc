/**
 * The version chain. Versions are ordered (the config lists them newest first); each version
 * carries the changes that separate it from the version below. A request from a caller on
 * version C to an upstream on version U walks through every change between them — up (older →
 * newer) when C is older, down when C is newer — and the response walks back through the same
 * changes in reverse. Which changes apply is decided on the request: a change applies when one of
 * its endpoints matches the request as the change's own version names it (the newer side: walking
 * down, as the request arrives at the change; walking up, after the change's path and method
 * operations).
 */
import type { VersionConfig } from '../config.js';
import type { BodyFn, CompileContext, OpContext, RequestHead, ResponseHead } from '../operation/types.js';
import type { Box } from '../pointer/index.js';
import { type CompiledChange, compileChange, type Direction } from './change.js';
import { splitPath } from './path-pattern.js';

export interface Step {
  change: CompiledChange;
  /** The direction the request takes through this change; the response takes the other. */
  dir: 'up' | 'down';
  request: Direction;
  response: Direction;
}

export interface Rejection {
  status: number;
  change: CompiledChange;
}

export class Plan {
  readonly steps: Step[];
  readonly rejected: Rejection | undefined;
  /** The request as the upstream gets it (method, path, query, headers). */
  readonly request: RequestHead;
  readonly requestBody: BodyFn[];
  readonly callerVersion: string;
  readonly upstreamVersion: string;

  constructor(callerVersion: string, upstreamVersion: string, request: RequestHead, steps: Step[], rejected?: Rejection) {
    this.callerVersion = callerVersion;
    this.upstreamVersion = upstreamVersion;
    this.request = request;
    this.steps = steps;
    this.rejected = rejected;
    const fns: BodyFn[] = [];
    for (const s of steps) for (const f of s.request.requestBody) fns.push(f);
    this.requestBody = fns;
  }

  /** True when some change applies to this exchange at all. */
  get matched(): boolean {
    return this.steps.length > 0;
  }

  /**
   * Walks the response head (status, headers) back down (or up) the chain, in place. Returns the
   * status each step saw, for choosing between success and error body operations.
   */
  walkResponse(res: ResponseHead): number[] {
    const seen: number[] = new Array(this.steps.length);
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i] as Step;
      seen[i] = res.status;
      for (const f of s.response.response) f(res);
    }
    return seen;
  }

  /** The body functions for a response, given `walkResponse`'s statuses, in application order. */
  responseBody(seen: readonly number[]): { fn: BodyFn; status: number }[] {
    const out: { fn: BodyFn; status: number }[] = [];
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i] as Step;
      const status = seen[i] ?? 200;
      const fns = status >= 400 ? s.response.errorBody : s.response.responseBody;
      for (const fn of fns) out.push({ fn, status });
    }
    return out;
  }

  /** Whether a response with this upstream status would have its body transformed. */
  transformsResponseBody(seen: readonly number[]): boolean {
    for (let i = 0; i < this.steps.length; i++) {
      const s = this.steps[i] as Step;
      const fns = (seen[i] ?? 200) >= 400 ? s.response.errorBody : s.response.responseBody;
      if (fns.length > 0) return true;
    }
    return false;
  }
}

/** Applies body functions to a parsed document and returns the result. */
export async function runBody(fns: readonly BodyFn[], doc: unknown, ctx: OpContext): Promise<unknown> {
  const box: Box = { v: doc };
  for (const fn of fns) {
    const pending = fn(box, ctx);
    if (pending) await pending;
  }
  return box.v;
}

export async function runResponseBody(fns: readonly { fn: BodyFn; status: number }[], doc: unknown, ctx: OpContext): Promise<unknown> {
  const box: Box = { v: doc };
  for (const { fn, status } of fns) {
    ctx.status = status;
    const pending = fn(box, ctx);
    if (pending) await pending;
  }
  return box.v;
}

/** `runResponseBody` for synchronous functions only; throws at a `script` (which needs a worker). */
export function runResponseBodySync(fns: readonly { fn: BodyFn; status: number }[], doc: unknown, ctx: OpContext): unknown {
  const box: Box = { v: doc };
  for (const { fn, status } of fns) {
    ctx.status = status;
    if (fn(box, ctx)) throw new Error('an asynchronous operation');
  }
  return box.v;
}

export class Chain {
  /** Newest first, as configured. */
  readonly versions: readonly string[];
  readonly upstreamVersion: string;
  readonly newest: string;
  /** rank 0 = oldest. */
  private readonly rank: Map<string, number>;
  /** changesByRank[r]: the changes that lead from version r-1 to version r. */
  private readonly changesByRank: CompiledChange[][];

  private constructor(versions: string[], upstreamVersion: string, changesByRank: CompiledChange[][]) {
    this.versions = versions;
    this.newest = versions[0] as string;
    this.upstreamVersion = upstreamVersion;
    this.changesByRank = changesByRank;
    this.rank = new Map(versions.map((v, i) => [v, versions.length - 1 - i]));
  }

  /** Compiles the chain; problems go to `base.issue` with their config paths. */
  static compile(versions: readonly VersionConfig[], upstreamVersion: string, base: Omit<CompileContext, 'at'>): Chain {
    const names = versions.map((v) => v.version);
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (seen.has(v.version)) base.issue(`versions[${i}].version`, `version ${JSON.stringify(v.version)} is listed twice`);
      seen.add(v.version);
    });
    if (!seen.has(upstreamVersion)) {
      base.issue(
        'upstream.version',
        `must be one of the configured versions (${names.join(', ')}), got ${JSON.stringify(upstreamVersion)}`,
      );
    }
    const n = versions.length;
    const byRank: CompiledChange[][] = new Array(n);
    versions.forEach((v, i) => {
      const r = n - 1 - i;
      if (r === 0 && (v.changes ?? []).length > 0) {
        base.issue(`versions[${i}].changes`, 'the oldest version has no version below it, so it cannot list changes');
      }
      byRank[r] = (v.changes ?? []).map((c, j) => compileChange(c, v.version, j, `versions[${i}].changes[${j}]`, base));
    });
    return new Chain(names, upstreamVersion, byRank);
  }

  has(version: string): boolean {
    return this.rank.has(version);
  }

  /** Every compiled change, newest version first (for the changelog and metrics). */
  changes(): { version: string; changes: readonly CompiledChange[] }[] {
    return this.versions.map((v) => ({ version: v, changes: this.changesByRank[this.rank.get(v) as number] ?? [] }));
  }

  /**
   * Plans an exchange for a caller on `callerVersion` (which must be known) and walks `req` to the
   * upstream's version, in place.
   */
  plan(callerVersion: string, req: RequestHead, target: string = this.upstreamVersion): Plan {
    const c = this.rank.get(callerVersion);
    const u = this.rank.get(target);
    if (c === undefined || u === undefined) throw new Error(`unknown version ${c === undefined ? callerVersion : target}`);
    const steps: Step[] = [];
    if (c === u) return new Plan(callerVersion, target, req, steps);
    let segPath = req.path;
    let segs = splitPath(segPath);
    const segsOf = (path: string) => {
      if (path !== segPath) {
        segPath = path;
        segs = splitPath(path);
      }
      return segs;
    };
    const visit = (change: CompiledChange, dir: 'up' | 'down'): Rejection | undefined => {
      const d = change[dir];
      if (dir === 'up' && change.movesRoute) {
        // Endpoints name routes as the change's own (newer) version does: walking up, the
        // request has that shape only after the change's request operations ran.
        const trial: RequestHead = { ...req, headers: { ...req.headers } };
        for (const f of d.request) f(trial);
        if (!change.matches(trial.method, segsOf(trial.path))) return undefined;
        if (change.removed) return { status: change.removed.status, change };
        Object.assign(req, trial);
      } else {
        if (!change.matches(req.method, segsOf(req.path))) return undefined;
        if (change.removed) return { status: change.removed.status, change };
        for (const f of d.request) f(req);
      }
      steps.push({ change, dir, request: d, response: dir === 'up' ? change.down : change.up });
      return undefined;
    };
    if (c < u) {
      for (let r = c + 1; r <= u; r++) {
        for (const change of this.changesByRank[r] ?? []) {
          const rej = visit(change, 'up');
          if (rej) return new Plan(callerVersion, target, req, steps, rej);
        }
      }
    } else {
      for (let r = c; r > u; r--) {
        const list = this.changesByRank[r] ?? [];
        for (let j = list.length - 1; j >= 0; j--) {
          const rej = visit(list[j] as CompiledChange, 'down');
          if (rej) return new Plan(callerVersion, target, req, steps, rej);
        }
      }
    }
    return new Plan(callerVersion, target, req, steps);
  }
}
