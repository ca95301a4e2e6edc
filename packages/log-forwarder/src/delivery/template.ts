/**
 * `{{ field }}` templates over an event (labels, index names, syslog app names). A template is
 * compiled once at start; `{{ a.b }}` reads a nested field. A missing field renders as the
 * template's fallback (default: empty). Static strings compile to a constant.
 */
import type { LogEvent } from '../sink/sink.js';

export interface Template {
  /** True when the template reads no field. */
  readonly constant: boolean;
  /** Names of the fields it reads. */
  readonly fields: readonly string[];
  render(event: LogEvent): string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_@][\w.@-]*)\s*\}\}/g;

export function getField(event: LogEvent, path: string): unknown {
  if (path in event) return event[path];
  let current: unknown = event;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function fieldToString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function compileTemplate(source: string, fallback = ''): Template {
  const pieces: Array<string | { field: string }> = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) pieces.push(source.slice(last, index));
    pieces.push({ field: match[1] as string });
    last = index + match[0].length;
  }
  if (last < source.length) pieces.push(source.slice(last));
  const fields = pieces.filter((p): p is { field: string } => typeof p !== 'string').map((p) => p.field);
  if (fields.length === 0) return { constant: true, fields, render: () => source };
  return {
    constant: false,
    fields,
    render(event) {
      let out = '';
      for (const piece of pieces) {
        out += typeof piece === 'string' ? piece : (fieldToString(getField(event, piece.field)) ?? fallback);
      }
      return out;
    },
  };
}
