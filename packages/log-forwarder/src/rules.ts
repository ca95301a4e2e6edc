import { type ConfigIssue, type TlsConfig, tlsConfigIssues } from '@outrigger/runtime';
import picomatch from 'picomatch';
import type { ForwarderConfig } from './config.js';
import { checkTimestampFormat } from './parse/timestamp.js';
import { sinkFactories } from './sink/index.js';
import type { SinkFactory } from './sink/sink.js';

/** Cross-field rules: inputs name existing components, no cycles, one multiline mode, valid formats. */
export function rules(config: ForwarderConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const sources = Object.keys(config.sources ?? {});
  const transforms = (config.transforms ?? {}) as Record<string, { type: string; inputs: string[] }>;
  const sinks = config.sinks ?? {};
  const seen = new Map<string, string>();
  for (const [kind, names] of [
    ['sources', sources],
    ['transforms', Object.keys(transforms)],
    ['sinks', Object.keys(sinks)],
  ] as const) {
    for (const n of names) {
      const other = seen.get(n);
      if (other) issues.push({ path: `${kind}.${n}`, message: `the name "${n}" is already used in ${other}; names must be unique` });
      else seen.set(n, kind);
    }
  }
  const producers = [...sources, ...Object.keys(transforms)];
  const known = `known: ${producers.join(', ') || '(none)'}`;
  for (const [name, t] of Object.entries(transforms)) {
    t.inputs.forEach((i, k) => {
      if (i === name) issues.push({ path: `transforms.${name}.inputs.${k}`, message: 'a transform cannot take its own output' });
      else if (!producers.includes(i))
        issues.push({ path: `transforms.${name}.inputs.${k}`, message: `no source or transform named "${i}" (${known})` });
    });
  }
  for (const [name, s] of Object.entries(sinks)) {
    (s as { inputs: string[] }).inputs.forEach((i, k) => {
      if (!producers.includes(i))
        issues.push({ path: `sinks.${name}.inputs.${k}`, message: `no source or transform named "${i}" (${known})` });
    });
  }
  // Cycles among transforms.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      issues.push({ path: `transforms.${n}.inputs`, message: `inputs form a cycle: ${[...trail, n].join(' → ')}` });
      return;
    }
    state.set(n, 'visiting');
    for (const i of transforms[n]?.inputs ?? []) if (i in transforms) visit(i, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of Object.keys(transforms)) visit(n, []);

  const includes: { source: string; match: (p: string) => boolean }[] = [];
  for (const [name, s] of Object.entries(config.sources ?? {})) {
    for (const g of s.include) includes.push({ source: name, match: picomatch(g, { dot: true }) });
    const ml = s.multiline;
    if (ml) {
      const modes = [ml.start_pattern, ml.continuation_pattern, ml.preset].filter((m) => m !== undefined).length;
      if (modes !== 1) {
        issues.push({
          path: `sources.${name}.multiline`,
          message: `set exactly one of start_pattern, continuation_pattern, preset (got ${modes})`,
        });
      }
    }
    if (ml) issues.push(...multilineWarnings(name, s.parser as ParserLike | undefined, ml));
    const ts = (s.parser as { timestamp?: { format?: string } } | undefined)?.timestamp;
    if (ts) {
      const err = checkTimestampFormat(ts.format ?? 'rfc3339');
      if (err) issues.push({ path: `sources.${name}.parser.timestamp.format`, message: err });
    }
  }
  for (const [name, s] of Object.entries(sinks)) {
    // A sink type's own cross-field checks (paths relative to its block).
    const factory = sinkFactories.find((f) => f.type === (s as { type: string }).type) as
      | (SinkFactory & { rules?(config: unknown): { path: string; message: string }[] })
      | undefined;
    for (const issue of factory?.rules?.(s) ?? []) {
      issues.push({ path: issue.path ? `sinks.${name}.${issue.path}` : `sinks.${name}`, message: issue.message });
    }
    issues.push(...tlsConfigIssues((s as { tls?: TlsConfig }).tls, `sinks.${name}.tls`));
    const p = (s as { type: string; path?: string }).path;
    if ((s as { type: string }).type !== 'file' || !p) continue;
    const hit = includes.find((i) => i.match(p));
    if (hit) {
      issues.push({
        path: `sinks.${name}.path`,
        message: `"${p}" matches an include glob of source "${hit.source}": the forwarder would read its own output`,
      });
    }
  }
  return issues;
}

interface ParserLike {
  type: string;
  message_field?: string;
  pattern?: string;
}

/**
 * Multiline runs after the parser, on each event's `message`: where the parser makes that a field
 * of a structured line (json, logfmt) or a regex group, a pattern written for the raw line never
 * matches, and every event is folded into the one before it (its fields lost). A warning: `check`
 * prints it and still says OK.
 */
function multilineWarnings(
  source: string,
  parser: ParserLike | undefined,
  ml: { start_pattern?: string; continuation_pattern?: string; preset?: string },
): ConfigIssue[] {
  const type = parser?.type ?? 'raw';
  const rule = ml.start_pattern !== undefined ? 'start_pattern' : ml.continuation_pattern !== undefined ? 'continuation_pattern' : 'preset';
  const path = `sources.${source}.multiline.${rule}`;
  if (type === 'json' || type === 'logfmt') {
    const field = parser?.message_field ?? (type === 'json' ? 'message' : 'msg');
    return [
      {
        path,
        severity: 'warning',
        message: `parser ${type} makes one event per line and multiline matches its "${field}" field, not the line: a line whose "${field}" does not match is folded into the event before it and its fields are lost. Use parser raw (or regex) for multi-line text, or drop multiline`,
      },
    ];
  }
  if (type === 'regex' && parser?.pattern?.includes('(?<message>')) {
    return [
      {
        path,
        severity: 'warning',
        message:
          'multiline matches the regex parser\'s "message" group, not the whole line (and a line the regex does not match is its whole raw line): a pattern written for the line start may never match',
      },
    ];
  }
  return [];
}
