/** Builds the HTTP request: body, content type, custom headers, idempotency key. */
import { createHash } from 'node:crypto';
import { writeId } from '../../block-lines.js';
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import { JsonWriter } from '../../json-writer.js';
import type { HttpSinkConfig } from './config.js';
import { encodeEvents } from './encoder.js';

/** A key that is the same whenever the same events (by deterministic id) are sent again. */
export function idempotencyKey(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('base64url');
}

/**
 * `idempotencyKey(request.ids())`, without a string per id when the lines are straight from the
 * file: the ids are written as bytes into a small buffer that is hashed whenever it fills.
 */
export function requestIdempotencyKey(request: RequestEvents): string {
  const slices = request.slices?.();
  if (!slices) return idempotencyKey(request.ids());
  const hash = createHash('sha256');
  // Under Buffer's pool size: taken from the shared slab, not a buffer of its own.
  const w = new JsonWriter(2048);
  let first = true;
  for (const { lines, from, to } of slices) {
    const prefix = Buffer.from(`${lines.idPrefix}:`);
    for (let i = from; i < to; i++) {
      if (!first) w.byte(10);
      first = false;
      writeId(w, prefix, lines, i);
      if (w.pos > 1500) {
        hash.update(w.result());
        w.pos = 0;
      }
    }
  }
  return hash.update(w.result()).digest('base64url');
}

export function buildHttpRequest(config: HttpSinkConfig, path: string, request: RequestEvents, into?: Buffer): HttpRequestSpec {
  const headers: Record<string, string> = {
    'content-type': config.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json',
  };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  if (config.idempotency_header) headers[config.idempotency_header.toLowerCase()] = requestIdempotencyKey(request);
  return { method: config.method, path, headers, body: encodeEvents(request, config.encoding, config.id_field, into) };
}
