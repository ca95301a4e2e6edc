/** Builds the `_bulk` request. */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { BulkEncoder } from './encoder.js';

/**
 * Only what the retry decision reads comes back (Elasticsearch's and OpenSearch's response
 * filtering): a 1,000-item answer shrinks from ~200 KB (`_index`, `_id`, `_version`, `_shards`,
 * `_seq_no` per item) to ~25 KB, and with it the bytes read and decoded per request.
 */
const BULK_FILTER = 'errors,items.*.status,items.*.error';

export function bulkPath(base: URL, pipeline: string | undefined, filter = true): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  const query = [...(filter ? [`filter_path=${BULK_FILTER}`] : []), ...(pipeline ? [`pipeline=${encodeURIComponent(pipeline)}`] : [])];
  return `${prefix}/_bulk${query.length ? `?${query.join('&')}` : ''}`;
}

export function buildBulkRequest(path: string, encoder: BulkEncoder, request: RequestEvents, into?: Buffer): HttpRequestSpec {
  return { path, headers: { 'content-type': 'application/x-ndjson' }, body: encoder.encode(request, into) };
}
