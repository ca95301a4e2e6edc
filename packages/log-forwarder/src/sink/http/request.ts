/** Builds the HTTP request: body, content type, custom headers, idempotency key. */
import { createHash } from 'node:crypto';
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { HttpSinkConfig } from './config.js';
import { encodeEvents } from './encoder.js';

/** A key that is the same whenever the same events (by deterministic id) are sent again. */
export function idempotencyKey(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('base64url');
}

export function buildHttpRequest(config: HttpSinkConfig, path: string, request: RequestEvents): HttpRequestSpec {
  const headers: Record<string, string> = {
    'content-type': config.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json',
  };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  if (config.idempotency_header) headers[config.idempotency_header.toLowerCase()] = idempotencyKey(request.ids());
  return { method: config.method, path, headers, body: encodeEvents(request, config.encoding, config.id_field) };
}
