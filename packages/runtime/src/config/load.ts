/** File → parse → interpolate → validate (defaults, coercion) → cross-field rules → frozen config. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type TObject, Type } from '@sinclair/typebox';
import { runtimeKeys, runtimeSchema } from '../runtime-config.js';
import type { ConfigDefinition, ConfigIssue, SidecarConfig } from '../sidecar.js';
import { checkFiles } from './files.js';
import { type Env, interpolate } from './interpolate.js';
import { decodeConfigText, parseConfigText } from './parse.js';
import { type Schema, validate } from './validate.js';

export { parseConfigText } from './parse.js';

export type LoadResult<C> =
  | { ok: true; config: C; warnings?: ConfigIssue[] }
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

/**
 * Validates an already parsed config value; relative paths in it are relative to `configPath`'s
 * directory. Files the schema marks `format: 'file'` must be readable; cross-field rules run only
 * on a config with no other problem.
 */
export function resolveConfig<C>(definition: ConfigDefinition, raw: unknown, env: Env, configPath = 'config.yaml'): LoadResult<C> {
  const interpolationIssues: ConfigIssue[] = [];
  const interpolated = interpolate(raw, env, interpolationIssues);
  const { value, issues, files } = validate(configSchema(definition) as unknown as Schema, interpolated);
  // A failed `${VAR:?msg}` stays in place literally; its own message says more than a format error.
  const reported = new Set(interpolationIssues.map((i) => i.path));
  const all = [...interpolationIssues, ...issues.filter((i) => !reported.has(i.path))];
  const base = dirname(resolve(configPath));
  all.push(
    ...checkFiles(
      files.filter((f) => !reported.has(f.path)),
      base,
    ),
  );
  const warnings: ConfigIssue[] = [];
  if (all.length === 0 && definition.rules) {
    for (const issue of definition.rules(value as SidecarConfig<TObject>, { resolvePath: (p) => resolve(base, p) })) {
      (issue.severity === 'warning' ? warnings : all).push(issue);
    }
  }
  if (all.length > 0) return { ok: false, code: 'OUTRIGGER_E_CONFIG', issues: all };
  return { ok: true, config: deepFreeze(value) as C, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** Reads, decodes and parses a config file; problems come back as issues (`OUTRIGGER_E_CONFIG_READ`). */
export async function readConfigFile(file: string): Promise<{ ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { ok: false, issues: [{ path: file, message: `cannot read config: ${err.code ?? err.message}` }] };
  }
  const decoded = decodeConfigText(bytes, file);
  if (decoded.text === undefined) return { ok: false, issues: decoded.issues };
  const parsed = parseConfigText(decoded.text, file);
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
