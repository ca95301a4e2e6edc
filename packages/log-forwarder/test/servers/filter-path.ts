/**
 * Elasticsearch's response filtering (`filter_path`, a common option of every REST API): a
 * comma-separated list of dotted paths; `*` matches one field name (or part of one: `_s*`), `**`
 * any number of levels; a path with a leading `-` excludes. Arrays are transparent (the paths
 * apply to their elements); objects and array elements left empty are dropped, as Elasticsearch
 * drops them.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function segmentMatches(pattern: string, key: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === key;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(key);
}

/** The remaining patterns after descending into `key`; a pattern that is used up matches the whole value. */
function descend(patterns: string[][], key: string): { whole: boolean; rest: string[][] } {
  let whole = false;
  const rest: string[][] = [];
  for (const p of patterns) {
    const [head, ...tail] = p;
    if (head === undefined) continue;
    if (head === '**') {
      // `**` may match zero levels (try the rest here) or this one and more (keep it).
      rest.push(p);
      const next = descend([tail], key);
      whole ||= next.whole;
      rest.push(...next.rest);
    } else if (segmentMatches(head, key)) {
      if (tail.length === 0) whole = true;
      else rest.push(tail);
    }
  }
  return { whole, rest };
}

function include(value: Json, patterns: string[][]): Json | undefined {
  if (Array.isArray(value)) {
    const out = value.map((v) => include(v, patterns)).filter((v) => v !== undefined);
    return out.length ? out : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) {
    const { whole, rest } = descend(patterns, key);
    if (whole) out[key] = v;
    else if (rest.length) {
      const kept = include(v, rest);
      if (kept !== undefined) out[key] = kept;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function exclude(value: Json, patterns: string[][]): Json | undefined {
  if (Array.isArray(value)) return value.map((v) => exclude(v, patterns)).filter((v) => v !== undefined);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) {
    const { whole, rest } = descend(patterns, key);
    if (whole) continue;
    const kept = rest.length ? exclude(v, rest) : v;
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** `body` filtered by a `filter_path` value (an empty object when nothing is left). */
export function filterPath(body: object, filter: string): object {
  const paths = filter
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const inclusions = paths.filter((p) => !p.startsWith('-')).map((p) => p.split('.'));
  const exclusions = paths.filter((p) => p.startsWith('-')).map((p) => p.slice(1).split('.'));
  let out: Json | undefined = body as Json;
  if (inclusions.length) out = include(out, inclusions);
  if (out !== undefined && exclusions.length) out = exclude(out, exclusions);
  return (out ?? {}) as object;
}
