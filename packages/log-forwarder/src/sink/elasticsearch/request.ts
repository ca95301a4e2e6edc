/** Builds the `_bulk` request. */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { BulkEncoder } from './encoder.js';

export function bulkPath(base: URL, pipeline: string | undefined): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${prefix}/_bulk${pipeline ? `?pipeline=${encodeURIComponent(pipeline)}` : ''}`;
}

export function buildBulkRequest(path: string, encoder: BulkEncoder, request: RequestEvents, into?: Buffer): HttpRequestSpec {
  return { path, headers: { 'content-type': 'application/x-ndjson' }, body: encoder.encode(request, into) };
}
