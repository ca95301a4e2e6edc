/**
 * OTLP/HTTP responses (specification, "OTLP/HTTP Response"): 200 is success, possibly partial:
 * `partialSuccess.rejectedLogRecords` > 0 means the server dropped that many records for good and
 * the client MUST NOT retry. The response does not say which records, so the whole request is
 * dead-lettered with the server's errorMessage and the count (replay tools can de-duplicate).
 * Failures: only 429, 502, 503 and 504 are retryable (with Retry-After), as OTLP/HTTP says; any
 * other status, 500 included, is dead-lettered. (401/403 are retried like every sink's: a rotated
 * credential is re-read from its file, so they concern no single request.)
 */
import type { HttpResponse } from '../../delivery/http-client.js';
import { Delivery, type Outcome, outcomeForStatus } from '../../delivery/outcome.js';

interface ExportLogsServiceResponse {
  partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string };
}

/** OTLP/HTTP, "Failures": the statuses a client may retry. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export function decideOtlp(response: HttpResponse, count: number): Outcome {
  const { status } = response;
  if (status !== 200) {
    const outcome = outcomeForStatus(status, response.body, response.headers['retry-after']);
    if (outcome.kind !== Delivery.RETRY || RETRYABLE.has(status) || status === 401 || status === 403) return outcome;
    return { kind: Delivery.ERROR, status, reason: `${outcome.reason} (not retryable in OTLP/HTTP)` };
  }
  let parsed: ExportLogsServiceResponse = {};
  try {
    if (response.body.trim()) parsed = JSON.parse(response.body) as ExportLogsServiceResponse;
  } catch {
    return { kind: Delivery.OK, status: 200 };
  }
  const rejected = Number(parsed.partialSuccess?.rejectedLogRecords ?? 0);
  if (!(rejected > 0)) return { kind: Delivery.OK, status: 200 };
  const message = parsed.partialSuccess?.errorMessage ?? '';
  const reason = `OTLP partial success: ${rejected} of ${count} log records rejected (which ones is not reported)${message ? `: ${message}` : ''}`;
  return {
    kind: 'partial',
    retry: [],
    retryReason: '',
    rejected: Array.from({ length: count }, (_, index) => ({ index, reason, status: 200 })),
  };
}
