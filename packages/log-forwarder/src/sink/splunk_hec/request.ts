/** Builds the HEC request (`POST /services/collector/event`). */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { HecEncoder } from './encoder.js';

export function buildHecRequest(path: string, encoder: HecEncoder, request: RequestEvents): HttpRequestSpec {
  return { path, headers: { 'content-type': 'application/json' }, body: encoder.encode(request) };
}
