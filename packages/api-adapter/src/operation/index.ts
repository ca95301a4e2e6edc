/**
 * The operation registries, keyed by the config's `type`. Body operations work on parsed JSON
 * bodies; request operations on the method, path, query and headers; response operations on the
 * status and headers.
 */
import { type AddSpec, compileAdd } from './add.js';
import { type ConvertSpec, compileConvert } from './convert.js';
import { compileHeader, type HeaderSpec } from './header.js';
import { compileMapStatus, type MapStatusSpec } from './map-status.js';
import { compileMapValues, type MapValuesSpec } from './map-values.js';
import { compileMove, type MoveSpec } from './move.js';
import { compileQuery, type QuerySpec } from './query.js';
import { compileRemove, type RemoveSpec } from './remove.js';
import { compileRename, type RenameSpec } from './rename.js';
import { compileRewritePath, type RewritePathSpec } from './rewrite-path.js';
import { compileScript, type ScriptSpec } from './script.js';
import { compileSetMethod, type SetMethodSpec } from './set-method.js';
import { compileJoin, compileSplit, type JoinSpec, type SplitSpec } from './split.js';
import type { BodyOp, CompileContext, RequestOp, ResponseOp } from './types.js';
import { compileWrap, type WrapSpec } from './wrap.js';

export type BodyOpSpec =
  | RenameSpec
  | MoveSpec
  | RemoveSpec
  | AddSpec
  | MapValuesSpec
  | ConvertSpec
  | WrapSpec
  | SplitSpec
  | JoinSpec
  | ScriptSpec;
export type RequestOpSpec = RewritePathSpec | SetMethodSpec | HeaderSpec | QuerySpec;
export type ResponseOpSpec = MapStatusSpec | HeaderSpec;

// biome-ignore lint/suspicious/noExplicitAny: each entry takes its own spec type, checked by the schema.
type Compiler<O> = (spec: any, ctx: CompileContext) => O | undefined;

export const bodyOperations: Record<BodyOpSpec['type'], Compiler<BodyOp>> = {
  rename: compileRename,
  move: compileMove,
  remove: compileRemove,
  add: compileAdd,
  map_values: compileMapValues,
  convert: compileConvert,
  wrap: compileWrap,
  unwrap: compileWrap,
  split: compileSplit,
  join: compileJoin,
  script: compileScript,
};

export const requestOperations: Record<RequestOpSpec['type'], Compiler<RequestOp>> = {
  rewrite_path: compileRewritePath,
  set_method: compileSetMethod,
  rename_header: compileHeader,
  set_header: compileHeader,
  remove_header: compileHeader,
  rename_query: compileQuery,
  set_query: compileQuery,
  remove_query: compileQuery,
};

export const responseOperations: Record<ResponseOpSpec['type'], Compiler<ResponseOp>> = {
  map_status: compileMapStatus,
  rename_header: compileHeader,
  set_header: compileHeader,
  remove_header: compileHeader,
};

function compileWith<O>(registry: Record<string, Compiler<O>>, spec: { type: string }, ctx: CompileContext): O | undefined {
  const c = Object.hasOwn(registry, spec.type) ? registry[spec.type] : undefined;
  if (!c) {
    ctx.issue(`${ctx.at}.type`, `unknown operation ${JSON.stringify(spec.type)} here; expected one of ${Object.keys(registry).join(', ')}`);
    return undefined;
  }
  return c(spec, ctx);
}

export const compileBodyOp = (spec: BodyOpSpec, ctx: CompileContext) => compileWith(bodyOperations, spec, ctx);
export const compileRequestOp = (spec: RequestOpSpec, ctx: CompileContext) => compileWith(requestOperations, spec, ctx);
export const compileResponseOp = (spec: ResponseOpSpec, ctx: CompileContext) => compileWith(responseOperations, spec, ctx);

export type { BodyOp, CompileContext, Headers, OpContext, RequestHead, RequestOp, ResponseHead, ResponseOp } from './types.js';
