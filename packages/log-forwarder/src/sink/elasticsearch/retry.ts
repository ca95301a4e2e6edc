/**
 * The `_bulk` retry decision. The HTTP status covers the request; with 200 and `errors: true` each
 * item has its own status:
 * - 2xx: delivered; 409 on `create`: the document is already there (a re-send): delivered;
 * - 429 (es_rejected_execution_exception) and 5xx: only those items are sent again;
 * - any other (mapping / parse errors, 400): dead-lettered with the error type and reason.
 */
import type { HttpResponse } from '../../delivery/http-client.js';
import { Delivery, type ItemRejection, type Outcome, outcomeForStatus, retryAfterMs } from '../../delivery/outcome.js';

interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | string;
}

interface BulkResponse {
  errors?: boolean;
  items?: Array<Record<string, BulkItemResult>>;
}

function describeItemError(item: BulkItemResult): string {
  const error = item.error;
  if (error === undefined) return `HTTP ${item.status}`;
  if (typeof error === 'string') return error;
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`;
}

/** A `_bulk` answer whose top-level `errors` is false, before any object or array: `{"took":3,"errors":false,...`. */
const NO_ERRORS = /^\s*\{\s*(?:"[a-z_]+"\s*:\s*-?\d+(?:\.\d+)?\s*,\s*)*"errors"\s*:\s*false\s*[,}]/;

export function decideBulk(response: HttpResponse, count: number, opType: 'create' | 'index'): Outcome {
  if (response.status !== 200) return outcomeForStatus(response.status, response.body, response.headers['retry-after']);
  // `"errors":false` ahead of the items: every item succeeded, no need to parse one per event.
  if (NO_ERRORS.test(response.body.slice(0, 256))) return { kind: Delivery.OK, status: 200 };
  let parsed: BulkResponse;
  try {
    parsed = JSON.parse(response.body) as BulkResponse;
  } catch {
    // The items cannot be known; with create and deterministic ids a re-send is harmless.
    return { kind: Delivery.RETRY, reason: 'unparsable _bulk response (truncated?)' };
  }
  if (parsed.errors !== true) return { kind: Delivery.OK, status: 200 };
  const items = parsed.items ?? [];
  if (items.length !== count) {
    return { kind: Delivery.RETRY, reason: `_bulk answered ${items.length} items for ${count} actions` };
  }
  const retry: number[] = [];
  const rejected: ItemRejection[] = [];
  let retryReason = '';
  items.forEach((entry, index) => {
    const item = Object.values(entry)[0] ?? {};
    const status = item.status ?? 0;
    if (status >= 200 && status < 300) return;
    if (status === 409 && opType === 'create') return;
    if (status === 429 || status >= 500) {
      retry.push(index);
      retryReason ||= `item HTTP ${status}: ${describeItemError(item)}`;
      return;
    }
    rejected.push({ index, status, reason: `item HTTP ${status}: ${describeItemError(item)}` });
  });
  if (retry.length === 0 && rejected.length === 0) return { kind: Delivery.OK, status: 200 };
  const wait = retryAfterMs(response.headers['retry-after']);
  return {
    kind: 'partial',
    retry,
    rejected,
    retryReason,
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  };
}
