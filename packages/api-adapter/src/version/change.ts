/**
 * One change, compiled once: for each direction (up = older → newer, down = newer → older) the
 * request, response and body functions to run, already in the right order.
 */
import type { ChangeConfig } from '../config.js';
import {
  type BodyOp,
  type CompileContext,
  compileBodyOp,
  compileRequestOp,
  compileResponseOp,
  type RequestOp,
  type ResponseOp,
} from '../operation/index.js';
import type { BodyFn, RequestFn, ResponseFn } from '../operation/types.js';
import { compileEndpoints, type EndpointMatcher } from './endpoint.js';
import { resourceFn } from './resource.js';

export interface Direction {
  request: RequestFn[];
  response: ResponseFn[];
  /** Body functions for requests, success responses and error responses; empty when none. */
  requestBody: BodyFn[];
  responseBody: BodyFn[];
  errorBody: BodyFn[];
}

export interface CompiledChange {
  /** The version this change leads to (the newer side). */
  version: string;
  /** Index in the version's change list (for metrics and messages). */
  index: number;
  description: string;
  /** `versions.0.changes.1`: where it is in the config. */
  at: string;
  matches: EndpointMatcher;
  /** Whether its request operations change the method or path (then matching needs care). */
  movesRoute: boolean;
  removed?: { status: 404 | 410 };
  /** The resource its body operations are relative to, when it targets one. */
  resource?: string;
  up: Direction;
  down: Direction;
  /** Changelog lines, one per operation. */
  summaries: string[];
}

function ups<F>(ops: { up: F }[]): F[] {
  return ops.map((o) => o.up);
}
function downs<F>(ops: { down: F }[]): F[] {
  return ops.map((o) => o.down).reverse();
}

const defaultLimits = { maxDepth: 64, maxNodes: 1_000_000 };

/**
 * For a change that targets a resource: wraps a direction's body functions into one that applies
 * them to every object of that resource in the body. Identity for endpoint-scoped changes.
 */
function resourceScope(spec: ChangeConfig, at: string, base: Omit<CompileContext, 'at'>): (fns: BodyFn[]) => BodyFn[] {
  if (spec.resource === undefined) return (fns) => fns;
  const recognise = base.resources?.get(spec.resource);
  if (!recognise) {
    const known = [...(base.resources?.keys() ?? [])];
    base.issue(
      `${at}.resource`,
      `unknown resource ${JSON.stringify(spec.resource)}; ${known.length > 0 ? `declared: ${known.join(', ')}` : 'declare it under `resources`'}`,
    );
    return () => [];
  }
  const bodyLists = [spec.body, spec.request_body, spec.response_body, spec.error_body];
  if (bodyLists.some((l) => (l ?? []).some((o) => o.type === 'script'))) {
    base.issue(`${at}.resource`, '`script` operations cannot target a resource; write the script over the whole body instead');
  }
  const limits = base.walkLimits ?? defaultLimits;
  return (fns) => (fns.length > 0 ? [resourceFn(recognise, fns, limits)] : []);
}

export function compileChange(
  spec: ChangeConfig,
  version: string,
  index: number,
  at: string,
  base: Omit<CompileContext, 'at'>,
): CompiledChange {
  const list = <S, O>(key: string, specs: readonly S[] | undefined, compile: (s: S, c: CompileContext) => O | undefined): O[] => {
    const out: O[] = [];
    (specs ?? []).forEach((s, i) => {
      const o = compile(s, { ...base, at: `${at}.${key}[${i}]` });
      if (o) out.push(o);
    });
    return out;
  };
  const request = list<ChangeConfig['request'][number], RequestOp>('request', spec.request, compileRequestOp as never);
  const response = list<ChangeConfig['response'][number], ResponseOp>('response', spec.response, compileResponseOp as never);
  const body = list<ChangeConfig['body'][number], BodyOp>('body', spec.body, compileBodyOp as never);
  const requestBody = [...body, ...list<ChangeConfig['body'][number], BodyOp>('request_body', spec.request_body, compileBodyOp as never)];
  const responseBody = [
    ...body,
    ...list<ChangeConfig['body'][number], BodyOp>('response_body', spec.response_body, compileBodyOp as never),
  ];
  const errorBody = list<ChangeConfig['body'][number], BodyOp>('error_body', spec.error_body, compileBodyOp as never);
  const matches = compileEndpoints(spec.endpoints ?? [], `${at}.endpoints`, base.issue);
  const scoped = resourceScope(spec, at, base);
  const summaries = [
    ...request,
    ...response,
    ...body,
    ...requestBody.slice(body.length),
    ...responseBody.slice(body.length),
    ...errorBody,
  ].map((o) => o.summary);
  return {
    version,
    index,
    description: spec.description,
    at,
    matches,
    movesRoute: (spec.request ?? []).some((r) => r.type === 'rewrite_path' || r.type === 'set_method'),
    ...(spec.removed ? { removed: { status: spec.removed.status ?? 410 } } : {}),
    ...(spec.resource !== undefined ? { resource: spec.resource } : {}),
    up: {
      request: ups(request),
      response: ups(response),
      requestBody: scoped(ups(requestBody)),
      responseBody: scoped(ups(responseBody)),
      errorBody: scoped(ups(errorBody)),
    },
    down: {
      request: downs(request),
      response: downs(response),
      requestBody: scoped(downs(requestBody)),
      responseBody: scoped(downs(responseBody)),
      errorBody: scoped(downs(errorBody)),
    },
    summaries,
  };
}
