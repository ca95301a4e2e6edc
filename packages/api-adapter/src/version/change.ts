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
    up: {
      request: ups(request),
      response: ups(response),
      requestBody: ups(requestBody),
      responseBody: ups(responseBody),
      errorBody: ups(errorBody),
    },
    down: {
      request: downs(request),
      response: downs(response),
      requestBody: downs(requestBody),
      responseBody: downs(responseBody),
      errorBody: downs(errorBody),
    },
    summaries,
  };
}
