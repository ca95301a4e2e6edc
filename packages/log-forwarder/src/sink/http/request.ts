/** Builds the HTTP request: body, content type, custom headers, idempotency key. */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { HttpSinkConfig } from './config.js';
import { encodeEvents } from './encoder.js';
import { requestIdempotencyKey } from './idempotency-key.js';

export function buildHttpRequest(config: HttpSinkConfig, path: string, request: RequestEvents, into?: Buffer): HttpRequestSpec {
  const headers: Record<string, string> = {
    'content-type': config.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json',
  };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  if (config.idempotency_header) headers[config.idempotency_header.toLowerCase()] = requestIdempotencyKey(request);
  return { method: config.method, path, headers, body: encodeEvents(request, config.encoding, config.id_field, into) };
}
