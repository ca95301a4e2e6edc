/**
 * Several sidecars in one process, from one config file with a section per sidecar:
 *
 *   admin: { listen: 127.0.0.1:9810 }     # the runtime keys, once, for the whole process
 *   log_forwarder: { sources: ..., sinks: ... }
 *   egress_proxy: { routes: ..., clusters: ... }
 *
 * Only the sections present are loaded (each sidecar's code is imported lazily), and each keeps
 * its own schema, rules, metric prefix and log field; nothing here imports a sidecar.
 */
import { Type } from '@sinclair/typebox';
import { didYouMean } from './config/did-you-mean.js';
import { runtimeKeys } from './runtime-config.js';
import type { ConfigDefinition, ConfigIssue, SidecarConfig, SidecarDefinition } from './sidecar.js';

/** The combined process's own ports: admin on 127.0.0.1:9810, probes on the pod IP at :9820. */
export const podPorts = { admin: 9810, probes: 9820 } as const;

/** A sidecar's section key: `log-forwarder` → `log_forwarder` (config keys are snake_case). */
export function sectionKey(sidecar: string): string {
  return sidecar.replace(/-/g, '_');
}

/** Which sections a parsed config has, and problems with its top-level keys. */
export function podSections(raw: unknown, known: readonly string[]): { sections: string[]; issues: ConfigIssue[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { sections: [], issues: [] };
  const sectionNames = known.map(sectionKey);
  const sections: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (sectionNames.includes(key)) sections.push(key);
    else if (!(runtimeKeys as readonly string[]).includes(key)) {
      issues.push({ path: key, message: `unknown key${didYouMean(key, [...sectionNames, ...runtimeKeys])}` });
    }
  }
  if (sections.length === 0 && issues.length === 0) {
    issues.push({ path: '(root)', message: `no sidecar section: add one or more of ${sectionNames.join(', ')}` });
  }
  return { sections, issues };
}

type UnitConfig = SidecarConfig<SidecarDefinition['schema']>;

/** Runs `fn` on each configured sidecar's section (with the runtime keys); paths get the section key. */
function eachUnit(
  definitions: readonly SidecarDefinition[],
  config: unknown,
  fn: (d: SidecarDefinition, unit: UnitConfig) => ConfigIssue[] | undefined,
): ConfigIssue[] {
  const whole = config as Record<string, unknown>;
  const runtime = Object.fromEntries(runtimeKeys.map((k) => [k, whole[k]]));
  return definitions.flatMap((d) => {
    const key = sectionKey(d.name);
    if (whole[key] === undefined) return [];
    const unit = { ...(whole[key] as object), ...runtime } as UnitConfig;
    return (fn(d, unit) ?? []).map((i) => ({ ...i, path: `${key}.${i.path}` }));
  });
}

/** The config definition of a pod made of `definitions`, each under its section key. */
export function podDefinition(version: string, definitions: readonly SidecarDefinition[]): ConfigDefinition {
  const properties = Object.fromEntries(definitions.map((d) => [sectionKey(d.name), Type.Optional(d.schema)]));
  return {
    name: 'outrigger',
    version,
    description: `Outrigger sidecars in one process: ${definitions.map((d) => d.name).join(', ')}.`,
    schema: Type.Object(properties, { additionalProperties: false }),
    defaultAdminPort: podPorts.admin,
    defaultProbePort: podPorts.probes,
    rules: (config, ctx) => eachUnit(definitions, config, (d, unit) => d.rules?.(unit, ctx)),
  };
}
