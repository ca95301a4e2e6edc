/**
 * `${VAR}`, `${VAR:-default}` and `${VAR:?message}` in config string values.
 *
 * Interpolation runs on parsed values, not on the file's text, so a variable's value can never
 * change the document's structure (no YAML injection through the environment). `$${` is a literal
 * `${`. An unset `${VAR}` is an error rather than an empty string: a sidecar silently configured
 * with an empty endpoint or token is worse than one that refuses to start.
 */
import type { ConfigIssue } from '../sidecar.js';

const reference = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)((?:[^}\\]|\\.)*))?\}|\$\{([^}]*)\}?/g;

export type Env = Readonly<Record<string, string | undefined>>;

/** Interpolates one string; problems are pushed to `issues` under `path`. */
export function interpolateString(text: string, env: Env, path: string, issues: ConfigIssue[]): string {
  if (!text.includes('${')) return text;
  return text.replace(
    reference,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined, bad: string | undefined) => {
      if (whole === '$${') return '${';
      if (name === undefined) {
        issues.push({
          path,
          message: `invalid variable reference ${JSON.stringify(`\${${bad ?? ''}`)}: expected \${NAME}, \${NAME:-default} or \${NAME:?message}`,
        });
        return whole;
      }
      const value = env[name];
      const set = value !== undefined && value !== '';
      const argument = (arg ?? '').replace(/\\(.)/g, '$1');
      if (op === ':-') return set ? value : argument;
      if (op === ':?') {
        if (set) return value;
        issues.push({ path, message: `environment variable ${name} is not set: ${argument || 'required'}` });
        return whole;
      }
      if (value === undefined) {
        issues.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to allow that)` });
        return whole;
      }
      return value;
    },
  );
}

/** Returns a copy of `value` with every string interpolated. */
export function interpolate(value: unknown, env: Env, issues: ConfigIssue[], path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path || '(root)', issues);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, issues, joinPath(path, i)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, issues, joinPath(path, key));
    return out;
  }
  return value;
}

/** Dotted config paths: `sinks.loki.endpoint`, `routes[0].match`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${safe}` : safe;
}
