/**
 * Validates a config value against its schema (TypeBox's JSON Schema) and normalises it: defaults
 * applied, numbers and booleans that arrived as strings (from `${VAR}`) coerced. Every problem is
 * reported, each with its dotted path and what was found — not just the first.
 *
 * Our own walker rather than a generic JSON Schema validator: the messages are the product here
 * (`sinks.x.type: unknown type "lokki" (did you mean "loki"?)`), and a generic validator reports
 * a failed discriminated union as "must match a schema in anyOf".
 */
import type { ConfigIssue } from '../sidecar.js';
import { didYouMean } from './did-you-mean.js';
import { formats } from './formats.js';
import { joinPath } from './interpolate.js';

/** The JSON Schema keywords we use (TypeBox emits these). */
export interface Schema {
  type?: string;
  const?: unknown;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema;
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
  default?: unknown;
  description?: string;
}

export function validate(schema: Schema, value: unknown): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const out = check(schema, value, '', issues);
  return { value: out, issues };
}

/** How a found value reads in a message: `"loki:3100"`, `42`, `a list`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

function issue(issues: ConfigIssue[], path: string, message: string): void {
  issues.push({ path: path || '(root)', message });
}

function check(schema: Schema, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  if (schema.anyOf) return checkUnion(schema.anyOf, value, path, issues);
  if ('const' in schema) {
    if (value !== schema.const) issue(issues, path, `must be ${describe(schema.const)}, got ${describe(value)}`);
    return value;
  }
  switch (schema.type) {
    case 'object':
      return checkObject(schema, value, path, issues);
    case 'array':
      return checkArray(schema, value, path, issues);
    case 'string':
      return checkString(schema, value, path, issues);
    case 'number':
    case 'integer':
      return checkNumber(schema, value, path, issues);
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (typeof value !== 'boolean') issue(issues, path, `must be true or false, got ${describe(value)}`);
      return value;
    case 'null':
      if (value !== null) issue(issues, path, `must be null, got ${describe(value)}`);
      return value;
    default:
      return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function literals(members: Schema[]): unknown[] | undefined {
  return members.every((m) => 'const' in m) ? members.map((m) => m.const) : undefined;
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

function checkUnion(members: Schema[], value: unknown, path: string, issues: ConfigIssue[]): unknown {
  const options = literals(members);
  if (options) {
    if (options.includes(value)) return value;
    const names = options.map(String);
    const hint = typeof value === 'string' ? didYouMean(value, names) : '';
    issue(issues, path, `must be one of ${names.join(', ')}; got ${describe(value)}${hint}`);
    return value;
  }
  const byType = discriminator(members);
  if (byType) {
    if (!isPlainObject(value)) {
      issue(issues, path, `must be an object with a "type", got ${describe(value)}`);
      return value;
    }
    const types = [...byType.keys()].map(String);
    if (value.type === undefined) {
      issue(issues, joinPath(path, 'type'), `required: one of ${types.join(', ')}`);
      return value;
    }
    const member = byType.get(value.type);
    if (!member) {
      const hint = typeof value.type === 'string' ? didYouMean(value.type, types) : '';
      issue(issues, joinPath(path, 'type'), `unknown type ${describe(value.type)}${hint}; expected one of ${types.join(', ')}`);
      return value;
    }
    return check(member, value, path, issues);
  }
  // A general union: the first member that accepts the value wins. If none does, report the
  // problems of the member whose JSON type fits (the likely intent), else what was expected.
  let fitting: { value: unknown; issues: ConfigIssue[] } | undefined;
  for (const member of members) {
    const scratch: ConfigIssue[] = [];
    const out = check(member, value, path, scratch);
    if (scratch.length === 0) return out;
    if (!fitting && typeFits(member, value)) fitting = { value: out, issues: scratch };
  }
  if (fitting) {
    issues.push(...fitting.issues);
    return fitting.value;
  }
  issue(issues, path, `must be ${members.map(expected).join(' or ')}, got ${describe(value)}`);
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
  if ('const' in schema) return describe(schema.const);
  if (schema.format && formats[schema.format]) return (formats[schema.format] as { expected: string }).expected;
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

function checkObject(schema: Schema, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  if (!isPlainObject(value)) {
    issue(issues, path, `must be an object, got ${describe(value)}`);
    return value;
  }
  const props = schema.properties ?? {};
  const out: Record<string, unknown> = {};
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [new RegExp(p, 'u'), s] as const);
  for (const [key, item] of Object.entries(value)) {
    const at = joinPath(path, key);
    const known = props[key] ?? patterns.find(([re]) => re.test(key))?.[1];
    if (known) {
      out[key] = check(known, item, at, issues);
    } else if (isPlainObject(schema.additionalProperties)) {
      out[key] = check(schema.additionalProperties as Schema, item, at, issues);
    } else if (schema.additionalProperties === false || schema.properties) {
      issue(issues, at, `unknown key${didYouMean(key, Object.keys(props))}`);
    } else {
      out[key] = item;
    }
  }
  for (const [key, prop] of Object.entries(props)) {
    if (key in value) continue;
    if ('default' in prop) {
      out[key] = check(prop, structuredClone(prop.default), joinPath(path, key), issues);
    } else if (schema.required?.includes(key)) {
      issue(issues, joinPath(path, key), `required${prop.description ? ` (${lowerFirst(prop.description)})` : ''}`);
    }
  }
  const count = Object.keys(value).length;
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    issue(issues, path, `must have at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}, got ${count}`);
  }
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    issue(issues, path, `must have at most ${schema.maxProperties} entries, got ${count}`);
  }
  return out;
}

function lowerFirst(text: string): string {
  const first = text.replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function checkArray(schema: Schema, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  if (!Array.isArray(value)) {
    issue(issues, path, `must be a list, got ${describe(value)}`);
    return value;
  }
  const out = schema.items ? value.map((item, i) => check(schema.items as Schema, item, joinPath(path, i), issues)) : [...value];
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issue(issues, path, `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, got ${value.length}`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    issue(issues, path, `must have at most ${schema.maxItems} items, got ${value.length}`);
  }
  if (schema.uniqueItems) {
    const seen = new Set<string>();
    out.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) issue(issues, joinPath(path, i), `duplicate of an earlier item: ${describe(item)}`);
      seen.add(key);
    });
  }
  return out;
}

function checkString(schema: Schema, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  // YAML reads `version: 2` as a number; where a string is expected, that is what the user meant.
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') {
    issue(issues, path, `must be a string, got ${describe(value)}`);
    return value;
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    issue(
      issues,
      path,
      schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters, got ${describe(text)}`,
    );
    return text;
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    issue(issues, path, `must be at most ${schema.maxLength} characters, got ${text.length}`);
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(text)) {
    issue(issues, path, `must match ${schema.pattern}, got ${describe(text)}`);
  }
  const format = schema.format ? formats[schema.format] : undefined;
  if (format) {
    const problem = format.check(text);
    if (problem !== undefined) issue(issues, path, `must be ${format.expected}, got ${describe(text)}${problem ? ` (${problem})` : ''}`);
  }
  return text;
}

function checkNumber(schema: Schema, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  const n = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  const integer = schema.type === 'integer';
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    issue(issues, path, `must be ${integer ? 'an integer' : 'a number'}, got ${describe(value)}`);
    return value;
  }
  if (schema.minimum !== undefined && n < schema.minimum) issue(issues, path, `must be at least ${schema.minimum}, got ${n}`);
  if (schema.maximum !== undefined && n > schema.maximum) issue(issues, path, `must be at most ${schema.maximum}, got ${n}`);
  if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) {
    issue(issues, path, `must be greater than ${schema.exclusiveMinimum}, got ${n}`);
  }
  if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) {
    issue(issues, path, `must be less than ${schema.exclusiveMaximum}, got ${n}`);
  }
  return n;
}
