/** File → parse → interpolate → validate (defaults, coercion) → cross-field rules → frozen config. */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { type TObject, Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { runtimeKeys, runtimeSchema } from '../runtime-config.js';
import type { ConfigDefinition, ConfigIssue, SidecarConfig } from '../sidecar.js';
import { type Env, interpolate } from './interpolate.js';
import { type Schema, validate } from './validate.js';

export type LoadResult<C> =
  | { ok: true; config: C }
  | { ok: false; code: 'OUTRIGGER_E_CONFIG_READ' | 'OUTRIGGER_E_CONFIG'; issues: ConfigIssue[] };

/** The whole config schema of a sidecar: its own keys plus the runtime's. */
export function configSchema(definition: ConfigDefinition): TObject {
  const runtime = runtimeSchema({ admin: definition.defaultAdminPort, probes: definition.defaultProbePort });
  for (const key of runtimeKeys) {
    if (key in definition.schema.properties) throw new Error(`${definition.name}: schema must not define "${key}" (the runtime owns it)`);
  }
  return Type.Object(
    { ...definition.schema.properties, ...runtime },
    {
      additionalProperties: false,
      title: `Outrigger ${definition.name} config`,
      description: definition.description,
    },
  );
}

/** Parses YAML (or JSON, which is YAML too) text; syntax errors come back as issues. */
export function parseConfigText(text: string, file: string): { value: unknown; issues: ConfigIssue[] } {
  if (extname(file) === '.json') {
    try {
      return { value: JSON.parse(text), issues: [] };
    } catch (error) {
      return { value: undefined, issues: [{ path: file, message: `not valid JSON: ${(error as Error).message}` }] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      value: undefined,
      issues: doc.errors.map((e) => {
        const where = e.linePos?.[0] ? `${file}:${e.linePos[0].line}:${e.linePos[0].col}` : file;
        return { path: where, message: `not valid YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const value = doc.toJS({ maxAliasCount: 100 });
  return { value: value ?? {}, issues: [] };
}

/** Validates an already parsed config value; relative paths in it are relative to `configPath`'s directory. */
export function resolveConfig<C>(definition: ConfigDefinition, raw: unknown, env: Env, configPath = 'config.yaml'): LoadResult<C> {
  const interpolationIssues: ConfigIssue[] = [];
  const interpolated = interpolate(raw, env, interpolationIssues);
  const { value, issues } = validate(configSchema(definition) as unknown as Schema, interpolated);
  // A failed `${VAR:?msg}` stays in place literally; its own message says more than a format error.
  const reported = new Set(interpolationIssues.map((i) => i.path));
  const all = [...interpolationIssues, ...issues.filter((i) => !reported.has(i.path))];
  if (all.length === 0 && definition.rules) {
    const base = dirname(resolve(configPath));
    all.push(...definition.rules(value as SidecarConfig<TObject>, { resolvePath: (p) => resolve(base, p) }));
  }
  if (all.length > 0) return { ok: false, code: 'OUTRIGGER_E_CONFIG', issues: all };
  return { ok: true, config: deepFreeze(value) as C };
}

/** Reads and parses a config file; problems come back as issues (`OUTRIGGER_E_CONFIG_READ`). */
export async function readConfigFile(file: string): Promise<{ ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { ok: false, issues: [{ path: file, message: `cannot read config: ${err.code ?? err.message}` }] };
  }
  const parsed = parseConfigText(text, file);
  if (parsed.issues.length > 0) return { ok: false, issues: parsed.issues };
  return { ok: true, value: parsed.value };
}

export async function loadConfig<C>(definition: ConfigDefinition, file: string, env: Env = process.env): Promise<LoadResult<C>> {
  const read = await readConfigFile(file);
  if (!read.ok) return { ok: false, code: 'OUTRIGGER_E_CONFIG_READ', issues: read.issues };
  return resolveConfig<C>(definition, read.value, env, file);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
