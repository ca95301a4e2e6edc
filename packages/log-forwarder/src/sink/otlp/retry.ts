/**
 * OTLP/HTTP responses (specification, "OTLP/HTTP Response"): 200 is success, possibly partial:
 * `partialSuccess.rejectedLogRecords` > 0 means the server dropped that many records for good and
 * the client MUST NOT retry. The response does not say which records, so the whole request is
 * dead-lettered with the server's errorMessage and the count (replay tools can de-duplicate).
 * Failures: 429/5xx (and 408) retried with Retry-After; other statuses dead-lettered.
 */
import type { HttpResponse } from '../../delivery/http-client.js';
import { Delivery, type Outcome, outcomeForStatus } from '../../delivery/outcome.js';

interface ExportLogsServiceResponse {
  partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string };
}

export function decideOtlp(response: HttpResponse, count: number): Outcome {
  if (response.status !== 200) return outcomeForStatus(response.status, response.body, response.headers['retry-after']);
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
