/** Encodes events as NDJSON or a JSON array, optionally with each event's deterministic id. */
import type { RequestEvents } from '../../delivery/request.js';
import type { HttpSinkConfig } from './config.js';

/** `into`: a buffer to encode into when it is large enough (NDJSON lines straight from the file only). */
export function encodeEvents(
  request: RequestEvents,
  encoding: HttpSinkConfig['encoding'],
  idField?: string,
  into?: Buffer,
): string | Buffer {
  if (encoding === 'ndjson' && !idField) {
    const fast = request.jsonLines?.(into);
    if (fast) return fast;
  }
  const events = request.events();
  const ids = idField ? request.ids() : undefined;
  const lines = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    lines[i] = JSON.stringify(ids && idField ? { ...event, [idField]: ids[i] } : event);
  }
  return encoding === 'ndjson' ? (lines.length ? `${lines.join('\n')}\n` : '') : `[${lines.join(',')}]`;
}
