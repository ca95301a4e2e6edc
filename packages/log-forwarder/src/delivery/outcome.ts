import { parseRetryAfter } from '@outrigger/runtime';

/**
 * The result of one delivery attempt, as a small enum (Fluent Bit's FLB_OK / FLB_RETRY /
 * FLB_ERROR, Vector's RetryAction): the driver needs nothing else to decide what happens next.
 */
export enum Delivery {
  /** Delivered: the events may be acknowledged. */
  OK = 'ok',
  /** Not delivered, try again later (network error, timeout, 408, 429, 5xx). */
  RETRY = 'retry',
  /** Rejected for good (other 4xx): dead-letter, do not retry. */
  ERROR = 'error',
}

/** One rejected event of a request that was otherwise handled (per-item results). */
export interface ItemRejection {
  /** Index of the event within the request. */
  index: number;
  reason: string;
  status?: number;
}

export type Outcome =
  | { kind: Delivery.OK; status?: number }
  | { kind: Delivery.RETRY; reason: string; status?: number; retryAfterMs?: number; code?: string }
  | { kind: Delivery.ERROR; reason: string; status?: number; code?: string }
  | {
      /**
       * Per-item results (Elasticsearch `_bulk`): the events listed in `retry` are sent again,
       * the ones in `rejected` are dead-lettered, every other event is delivered.
       */
      kind: 'partial';
      retry: number[];
      retryReason: string;
      retryAfterMs?: number;
      rejected: ItemRejection[];
    };

export const ok = (status?: number): Outcome => ({ kind: Delivery.OK, ...(status === undefined ? {} : { status }) });

/** The classification shared by every HTTP sink: 2xx OK; 408, 429, 5xx RETRY; other statuses ERROR. */
export function classifyStatus(status: number): Delivery {
  if (status >= 200 && status < 300) return Delivery.OK;
  if (status === 408 || status === 429 || status >= 500) return Delivery.RETRY;
  return Delivery.ERROR;
}

/** Longest wait a `Retry-After` may impose; a larger value is clamped (and the clamp logged by callers). */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** A response's `Retry-After` as milliseconds to wait (clamped), or undefined when absent or unparsable. */
export function retryAfterMs(value: string | string[] | undefined, now?: number): number | undefined {
  return parseRetryAfter(value, { maxMs: MAX_RETRY_AFTER_MS, ...(now === undefined ? {} : { now }) });
}

/** An outcome for an HTTP response status with its body text (kept short for logs and dead letters). */
export function outcomeForStatus(status: number, body: string, retryAfter?: string | string[]): Outcome {
  const kind = classifyStatus(status);
  if (kind === Delivery.OK) return { kind, status };
  const reason = `HTTP ${status}${body ? `: ${truncate(body.trim(), 500)}` : ''}`;
  if (status === 401 || status === 403) {
    // Credentials concern every event, not this request's: retry (the secret file is re-read)
    // rather than dead-letter the whole stream while a token is being rotated.
    return { kind: Delivery.RETRY, status, reason: `authentication failed: ${reason}`, code: 'OUTRIGGER_E_LF_SINK_AUTH' };
  }
  if (kind === Delivery.RETRY) {
    const wait = retryAfterMs(retryAfter);
    return wait === undefined ? { kind, status, reason } : { kind, status, reason, retryAfterMs: wait };
  }
  return { kind, status, reason };
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
