/**
 * Validates a config value against its schema (TypeBox's JSON Schema) and normalises it: defaults
 * applied, numbers and booleans that arrived as strings (from `${VAR}`) coerced. Every problem is
 * reported, each with its dotted path and what was found — not just the first.
 *
 * Our own walker rather than a generic JSON Schema validator (TypeBox's `Value` included): the
 * messages are the product here (`sinks.x.type: unknown type "lokki" (did you mean "loki"?)`),
 * and a generic validator reports a failed discriminated union as "Expected union value". Every
 * keyword in `keywords` below is honoured; `unsupportedKeywords` finds any other in a schema (a
 * test runs it over every sidecar's published schema), so none is silently ignored.
 *
 * Values under secret keys (`isSecretKey`) or `writeOnly` schemas are never echoed: their
 * messages say `got a string of 12 characters`.
 */
import { hasUserinfo, isSecretKey, redactUrl } from '../redact.js';
import type { ConfigIssue } from '../sidecar.js';
import { didYouMean } from './did-you-mean.js';
import { formats } from './formats.js';
import { joinPath } from './interpolate.js';

/** The JSON Schema keywords the validator honours (TypeBox emits these). */
export interface Schema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  if?: Schema;
  then?: Schema;
  else?: Schema;
  $ref?: string;
  $id?: string;
  $defs?: Record<string, Schema>;
  definitions?: Record<string, Schema>;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  unevaluatedProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  propertyNames?: Schema;
  dependentRequired?: Record<string, string[]>;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema | Schema[];
  prefixItems?: Schema[];
  additionalItems?: boolean | Schema;
  contains?: Schema;
  minContains?: number;
  maxContains?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  default?: unknown;
  description?: string;
  writeOnly?: boolean;
}

/** Keywords that constrain or shape the value; each is implemented below. */
export const keywords: ReadonlySet<string> = new Set([
  'type',
  'const',
  'enum',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  '$ref',
  '$defs',
  'definitions',
  'properties',
  'required',
  'additionalProperties',
  'unevaluatedProperties',
  'patternProperties',
  'propertyNames',
  'dependentRequired',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'contains',
  'minContains',
  'maxContains',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'default',
  'writeOnly',
]);

/** Keywords that only describe (for editors and docs); nothing to check. */
export const annotations: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'examples',
  'readOnly',
  'deprecated',
  'markdownDescription',
]);

const types = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** A string the sidecar will read as a file (`format: 'file'`), for the loader to check. */
export interface FileReference {
  /** Dotted config path. */
  path: string;
  /** The value, as written (relative to the config file's directory). */
  file: string;
}

export interface Validation {
  value: unknown;
  issues: ConfigIssue[];
  files: FileReference[];
}

interface Walk {
  root: Schema;
  issues: ConfigIssue[];
  files: FileReference[];
}

export function validate(schema: Schema, value: unknown): Validation {
  const walk: Walk = { root: schema, issues: [], files: [] };
  const out = check(schema, value, '', walk, false);
  return { value: out, issues: walk.issues, files: walk.files };
}

/**
 * Every keyword, `type` and `format` in `schema` that the validator would not honour, each with
 * where it is (`properties.x.format: unknown format "uri"`). Empty for a schema we fully check.
 */
export function unsupportedKeywords(schema: unknown, at = '(root)'): string[] {
  if (typeof schema === 'boolean') return [];
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [`${at}: not a schema`];
  const s = schema as Record<string, unknown>;
  const found: string[] = [];
  for (const key of Object.keys(s)) {
    if (!keywords.has(key) && !annotations.has(key)) found.push(`${at}: keyword "${key}"`);
  }
  if (s.type !== undefined && !(typeof s.type === 'string' && types.has(s.type))) found.push(`${at}: type ${JSON.stringify(s.type)}`);
  if (s.format !== undefined && !(typeof s.format === 'string' && Object.hasOwn(formats, s.format))) {
    found.push(`${at}: unknown format ${JSON.stringify(s.format)}`);
  }
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
    for (const [name, sub] of Object.entries((s[key] ?? {}) as Record<string, unknown>)) {
      found.push(...unsupportedKeywords(sub, `${at}.${key}.${name}`));
    }
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems', 'items']) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    for (const [i, sub] of list.entries()) found.push(...unsupportedKeywords(sub, `${at}.${key}[${i}]`));
  }
  if (s.items !== undefined && !Array.isArray(s.items)) found.push(...unsupportedKeywords(s.items, `${at}.items`));
  for (const key of [
    'additionalProperties',
    'unevaluatedProperties',
    'additionalItems',
    'propertyNames',
    'contains',
    'not',
    'if',
    'then',
    'else',
  ]) {
    if (s[key] !== undefined) found.push(...unsupportedKeywords(s[key], `${at}.${key}`));
  }
  return found;
}

/** How a found value reads in a message: `"loki:3100"`, `42`, `a list`. URLs lose their credentials. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const safe = hasUserinfo(value) || /^[a-z][a-z0-9+.-]*:\/\/[^?]*\?/i.test(value) ? redactUrl(value) : value;
    const shown = safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** How an expected value reads: `"loki"`, `404`, `{"a":1}`. */
function literal(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : describe(value);
}

/** How a secret value reads in a message: what it is, never what it says. */
export function describeSecret(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'number') return 'a number';
  return describe(value);
}

function issue(walk: Walk, path: string, message: string): void {
  walk.issues.push({ path: path || '(root)', message });
}

function check(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  const isSecret = secret || schema.writeOnly === true;
  const got = isSecret ? describeSecret : describe;
  let out = value;
  if (schema.$ref !== undefined) out = check(resolveRef(walk.root, schema.$ref, path), out, path, walk, isSecret);
  if (schema.allOf) {
    if (schema.allOf.every((m) => m.type === 'object' && !m.anyOf && !m.oneOf && !m.allOf))
      return checkIntersection(schema, out, path, walk, isSecret);
    for (const member of schema.allOf) out = check(member, out, path, walk, isSecret);
  }
  if (schema.anyOf) return checkUnion(schema.anyOf, out, path, walk, isSecret, false);
  if (schema.oneOf) return checkUnion(schema.oneOf, out, path, walk, isSecret, true);
  if (schema.enum) return checkOptions(schema.enum, out, path, walk, isSecret);
  if ('const' in schema) {
    if (!sameValue(out, schema.const)) issue(walk, path, `must be ${literal(schema.const)}, got ${got(out)}`);
    return out;
  }
  if (schema.not && accepts(schema.not, out, path, walk)) {
    issue(walk, path, `must not be ${expected(schema.not)}, got ${got(out)}`);
    return out;
  }
  if (schema.if) {
    const branch = accepts(schema.if, out, path, walk) ? schema.then : schema.else;
    if (branch) out = check(branch, out, path, walk, isSecret);
  }
  switch (schema.type) {
    case 'object':
      return checkObject(schema, out, path, walk, isSecret);
    case 'array':
      return checkArray(schema, out, path, walk, isSecret);
    case 'string':
      return checkString(schema, out, path, walk, isSecret);
    case 'number':
    case 'integer':
      return checkNumber(schema, out, path, walk, isSecret);
    case 'boolean':
      if (out === 'true') return true;
      if (out === 'false') return false;
      if (typeof out !== 'boolean') issue(walk, path, `must be true or false, got ${got(out)}`);
      return out;
    case 'null':
      if (out !== null) issue(walk, path, `must be null, got ${got(out)}`);
      return out;
    case undefined:
      // No `type` (a bare `{ minimum: 1 }` under `if`, `not`, `Type.Unsafe`): the keywords still
      // apply to values of their kind, without coercion or a type error.
      if (typeof out === 'number' && numberKeywords(schema)) return checkNumber(schema, out, path, walk, isSecret);
      if (typeof out === 'string' && stringKeywords(schema)) return checkString(schema, out, path, walk, isSecret);
      return out;
    default:
      throw new Error(`config schema at ${path || '(root)'}: unsupported type ${JSON.stringify(schema.type)}`);
  }
}

function numberKeywords(s: Schema): boolean {
  return (
    s.minimum !== undefined ||
    s.maximum !== undefined ||
    s.exclusiveMinimum !== undefined ||
    s.exclusiveMaximum !== undefined ||
    s.multipleOf !== undefined
  );
}

function stringKeywords(s: Schema): boolean {
  return s.minLength !== undefined || s.maxLength !== undefined || s.pattern !== undefined || s.format !== undefined;
}

/** Whether `value` passes `schema`, without reporting anything. */
function accepts(schema: Schema, value: unknown, path: string, walk: Walk): boolean {
  const scratch: Walk = { root: walk.root, issues: [], files: [] };
  check(schema, value, path, scratch, false);
  return scratch.issues.length === 0;
}

const refs = new WeakMap<Schema, Map<string, Schema>>();

/** `$ref` to a `$id` in the same schema (TypeBox `Type.Ref`, `Type.Recursive`) or a `#/...` pointer. */
function resolveRef(root: Schema, ref: string, path: string): Schema {
  if (ref.startsWith('#')) {
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      target = (target as Record<string, unknown> | undefined)?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (target && typeof target === 'object') return target as Schema;
  } else {
    let ids = refs.get(root);
    if (!ids) {
      ids = new Map();
      collectIds(root, ids);
      refs.set(root, ids);
    }
    const target = ids.get(ref);
    if (target) return target;
  }
  throw new Error(`config schema at ${path || '(root)'}: unresolved $ref ${JSON.stringify(ref)}`);
}

function collectIds(schema: unknown, ids: Map<string, Schema>): void {
  if (schema === null || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    for (const item of schema) collectIds(item, ids);
    return;
  }
  const s = schema as Record<string, unknown>;
  if (typeof s.$id === 'string') ids.set(s.$id, s as Schema);
  for (const [key, sub] of Object.entries(s)) {
    if (key !== 'default' && key !== 'const' && key !== 'enum' && key !== 'examples') collectIds(sub, ids);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * All of several object schemas (TypeBox `Type.Intersect`): merged into one, so a key known to
 * any member is known, and an unknown key gets one message with one did-you-mean.
 */
function checkIntersection(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  const members = [schema, ...(schema.allOf as Schema[])];
  const merged: Schema = { type: 'object', properties: {}, required: [], patternProperties: {} };
  for (const m of members) {
    Object.assign(merged.properties as object, m.properties);
    merged.required?.push(...(m.required ?? []));
    Object.assign(merged.patternProperties as object, m.patternProperties);
    if (m.additionalProperties === false || m.unevaluatedProperties === false) merged.additionalProperties = false;
    if (m.writeOnly) merged.writeOnly = true;
  }
  return checkObject(merged, value, path, walk, secret || merged.writeOnly === true);
}

function literals(members: Schema[]): unknown[] | undefined {
  if (!members.every((m) => 'const' in m || m.enum)) return undefined;
  return members.flatMap((m) => ('const' in m ? [m.const] : (m.enum as unknown[])));
}

function discriminator(members: Schema[]): Map<unknown, Schema> | undefined {
  const byType = new Map<unknown, Schema>();
  for (const m of members) {
    const tag = m.properties?.type;
    if (m.type !== 'object' || !tag || !('const' in tag)) return undefined;
    byType.set(tag.const, m);
  }
  return byType;
}

/** One of a list of values (`enum`, or a union of literals). A string from `${VAR}` may stand for a number. */
function checkOptions(options: unknown[], value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  if (options.some((o) => sameValue(o, value))) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (options.includes(n)) return n;
  }
  const names = options.map((o) => (typeof o === 'string' ? o : JSON.stringify(o)));
  const hint = typeof value === 'string' && !secret ? didYouMean(value, names) : '';
  issue(walk, path, `must be one of ${names.join(', ')}; got ${secret ? describeSecret(value) : describe(value)}${hint}`);
  return value;
}

function checkUnion(members: Schema[], value: unknown, path: string, walk: Walk, secret: boolean, exclusive: boolean): unknown {
  const got = secret ? describeSecret : describe;
  const options = literals(members);
  if (options) return checkOptions(options, value, path, walk, secret);
  const byType = discriminator(members);
  if (byType) {
    if (!isPlainObject(value)) {
      issue(walk, path, `must be an object with a "type", got ${got(value)}`);
      return value;
    }
    const tags = [...byType.keys()].map(String);
    if (value.type === undefined) {
      issue(walk, joinPath(path, 'type'), `required: one of ${tags.join(', ')}`);
      return value;
    }
    const member = byType.get(value.type);
    if (!member) {
      const hint = typeof value.type === 'string' ? didYouMean(value.type, tags) : '';
      issue(walk, joinPath(path, 'type'), `unknown type ${describe(value.type)}${hint}; expected one of ${tags.join(', ')}`);
      return value;
    }
    return check(member, value, path, walk, secret);
  }
  // A general union: the first member that accepts the value wins (for oneOf: the only one). If
  // none does, report the problems of the member whose JSON type fits (the likely intent), else
  // what was expected.
  let accepted: { value: unknown; walk: Walk; member: Schema } | undefined;
  let fitting: { value: unknown; walk: Walk } | undefined;
  for (const member of members) {
    const scratch: Walk = { root: walk.root, issues: [], files: [] };
    const out = check(member, value, path, scratch, secret);
    if (scratch.issues.length > 0) {
      if (!fitting && typeFits(member, value)) fitting = { value: out, walk: scratch };
    } else if (!accepted) {
      accepted = { value: out, walk: scratch, member };
      if (!exclusive) break;
    } else {
      const [a, b] = [members.indexOf(accepted.member) + 1, members.indexOf(member) + 1];
      issue(
        walk,
        path,
        `must match exactly one alternative, but matches #${a} (${expected(accepted.member)}) and #${b} (${expected(member)})`,
      );
      return value;
    }
  }
  const chosen = accepted ?? fitting;
  if (chosen) {
    walk.issues.push(...chosen.walk.issues);
    walk.files.push(...chosen.walk.files);
    return chosen.value;
  }
  issue(walk, path, `must be ${members.map(expected).join(' or ')}, got ${got(value)}`);
  return value;
}

function typeFits(schema: Schema, value: unknown): boolean {
  switch (schema.type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function expected(schema: Schema): string {
  if ('const' in schema) return literal(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join(', ')}`;
  if (schema.format && formats[schema.format]) return (formats[schema.format] as { expected: string }).expected;
  if (schema.pattern) return `a string matching ${schema.pattern}`;
  switch (schema.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${schema.type ?? 'value'}`;
  }
}

const compiled = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    compiled.set(pattern, re);
  }
  return re;
}

function checkObject(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  if (!isPlainObject(value)) {
    issue(walk, path, `must be an object, got ${secret ? describeSecret(value) : describe(value)}`);
    return value;
  }
  const props = schema.properties ?? {};
  const out: Record<string, unknown> = {};
  const patterns = Object.entries(schema.patternProperties ?? {});
  const extra = schema.additionalProperties ?? schema.unevaluatedProperties;
  // Children of a writeOnly object are secret; a secret key makes only its own value secret.
  const inherited = secret && schema.writeOnly === true;
  for (const [key, item] of Object.entries(value)) {
    const at = joinPath(path, key);
    const childSecret = inherited || isSecretKey(key);
    if (schema.propertyNames) {
      const scratch: Walk = { root: walk.root, issues: [], files: [] };
      check(schema.propertyNames, key, at, scratch, false);
      if (scratch.issues.length > 0) {
        for (const i of scratch.issues) issue(walk, at, `not a valid key: ${i.message}`);
        continue;
      }
    }
    const known = props[key] ?? patterns.find(([p]) => regex(p).test(key))?.[1];
    if (known) {
      out[key] = check(known, item, at, walk, childSecret);
    } else if (isPlainObject(extra)) {
      out[key] = check(extra as Schema, item, at, walk, childSecret);
    } else if (extra === false || (extra === undefined && schema.properties)) {
      issue(walk, at, `unknown key${didYouMean(key, Object.keys(props))}`);
    } else {
      out[key] = item;
    }
  }
  for (const [key, prop] of Object.entries(props)) {
    if (key in value) continue;
    if ('default' in prop) {
      out[key] = check(prop, structuredClone(prop.default), joinPath(path, key), walk, inherited || isSecretKey(key));
    } else if (schema.required?.includes(key)) {
      issue(walk, joinPath(path, key), `required${prop.description ? ` (${lowerFirst(prop.description)})` : ''}`);
    }
  }
  for (const [key, needs] of Object.entries(schema.dependentRequired ?? {})) {
    if (!(key in value)) continue;
    for (const other of needs) {
      if (!(other in value)) issue(walk, joinPath(path, other), `required when ${joinPath(path, key)} is set`);
    }
  }
  const count = Object.keys(value).length;
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    issue(walk, path, `must have at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}, got ${count}`);
  }
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    issue(walk, path, `must have at most ${schema.maxProperties} entries, got ${count}`);
  }
  return out;
}

function lowerFirst(text: string): string {
  const first = text.replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function checkArray(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  if (!Array.isArray(value)) {
    issue(walk, path, `must be a list, got ${secret ? describeSecret(value) : describe(value)}`);
    return value;
  }
  // A tuple: `prefixItems` (2020-12) or `items` as a list (TypeBox `Type.Tuple`), then the rest.
  const prefix = schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : undefined);
  const rest = schema.prefixItems ? schema.items : Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  const out = value.map((item, i) => {
    const at = joinPath(path, i);
    const itemSchema = prefix && i < prefix.length ? prefix[i] : rest;
    if (itemSchema === false) {
      issue(walk, at, `unexpected item: at most ${prefix?.length ?? 0} allowed`);
      return item;
    }
    return isPlainObject(itemSchema) ? check(itemSchema as Schema, item, at, walk, secret) : item;
  });
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issue(walk, path, `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, got ${value.length}`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    issue(walk, path, `must have at most ${schema.maxItems} items, got ${value.length}`);
  }
  if (schema.uniqueItems) {
    const seen = new Set<string>();
    out.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) issue(walk, joinPath(path, i), `duplicate of an earlier item: ${secret ? describeSecret(item) : describe(item)}`);
      seen.add(key);
    });
  }
  if (schema.contains) {
    const contains = schema.contains;
    const matches = out.filter((item, i) => accepts(contains, item, joinPath(path, i), walk)).length;
    const min = schema.minContains ?? 1;
    if (matches < min)
      issue(
        walk,
        path,
        `must contain at least ${min} item${min === 1 ? '' : 's'} that ${min === 1 ? 'is' : 'are'} ${expected(contains)}, got ${matches}`,
      );
    if (schema.maxContains !== undefined && matches > schema.maxContains) {
      issue(walk, path, `must contain at most ${schema.maxContains} item(s) that are ${expected(contains)}, got ${matches}`);
    }
  }
  return out;
}

function checkString(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  const got = secret ? describeSecret : describe;
  // YAML reads `version: 2` as a number; where a string is expected, that is what the user meant.
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') {
    issue(walk, path, `must be a string, got ${got(value)}`);
    return value;
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    issue(walk, path, schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters, got ${got(text)}`);
    return text;
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    issue(walk, path, `must be at most ${schema.maxLength} characters, got ${text.length}`);
  }
  if (schema.pattern !== undefined && !regex(schema.pattern).test(text)) {
    issue(walk, path, `must match ${schema.pattern}, got ${got(text)}`);
  }
  if (schema.format !== undefined) {
    const format = formats[schema.format];
    if (!format) throw new Error(`config schema at ${path || '(root)'}: unknown format ${JSON.stringify(schema.format)}`);
    const problem = format.check(text);
    if (problem !== undefined) {
      issue(walk, path, `must be ${format.expected}, got ${got(text)}${problem && !secret ? ` (${problem})` : ''}`);
    } else if (schema.format === 'file') {
      walk.files.push({ path: path || '(root)', file: text });
    }
  }
  return text;
}

function checkNumber(schema: Schema, value: unknown, path: string, walk: Walk, secret: boolean): unknown {
  const got = secret ? describeSecret : describe;
  const n = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  const integer = schema.type === 'integer';
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    issue(walk, path, `must be ${integer ? 'an integer' : 'a number'}, got ${got(value)}`);
    return value;
  }
  const shown = secret ? 'a number' : String(n);
  if (schema.minimum !== undefined && n < schema.minimum) issue(walk, path, `must be at least ${schema.minimum}, got ${shown}`);
  if (schema.maximum !== undefined && n > schema.maximum) issue(walk, path, `must be at most ${schema.maximum}, got ${shown}`);
  if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) {
    issue(walk, path, `must be greater than ${schema.exclusiveMinimum}, got ${shown}`);
  }
  if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) {
    issue(walk, path, `must be less than ${schema.exclusiveMaximum}, got ${shown}`);
  }
  if (schema.multipleOf !== undefined && !isMultiple(n, schema.multipleOf)) {
    issue(walk, path, `must be a multiple of ${schema.multipleOf}, got ${shown}`);
  }
  return n;
}

function isMultiple(n: number, of: number): boolean {
  const q = n / of;
  // 0.3 / 0.1 is 2.9999999999999996: allow for binary fractions.
  return Math.abs(q - Math.round(q)) < 1e-9;
}
