/** Builds the push request: JSON body, tenant header. */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { LokiSinkConfig } from './config.js';
import type { LokiEncoder } from './encoder.js';

export function buildLokiRequest(
  config: LokiSinkConfig,
  path: string,
  encoder: LokiEncoder,
  request: RequestEvents,
  into?: Buffer,
): HttpRequestSpec {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.tenant_id) headers['x-scope-orgid'] = config.tenant_id;
  return { path, headers, body: encoder.encode(request, into) };
}
