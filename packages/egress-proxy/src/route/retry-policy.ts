/** The retry decision of a route: pure (randomness and clock injected). */
import { backoffDelay, parseRetryAfter } from '@outrigger/runtime';
import type { RetryConfig } from '../schema.js';

/** Why a try failed. `status` carries the upstream status code. */
export type TryFailure =
  | { kind: 'connect_failure' }
  /** `written`: some byte of the request may have reached the connection. */
  | { kind: 'reset'; reusedConnection: boolean; written: boolean }
  | { kind: 'timeout' }
  | { kind: 'status'; status: number; retryAfter?: string | undefined };

export interface RetryContext {
  method: string;
  /** The request carries an `Idempotency-Key`: the app says sending it twice is safe. */
  idempotencyKey: boolean;
  /** Tries already made (1 after the first). */
  tries: number;
  /** Whether the request body can be sent again (none, or fully kept). */
  bodyReplayable: boolean;
  /** Whether the one free retry for a reset on a reused connection was already spent. */
  reusedResetRetried: boolean;
  /** Milliseconds left of the route timeout. */
  remainingMs: number;
  /** Whether the retry budget admits one more retry. */
  budgetAllows: boolean;
}

export type RetryDecision =
  | {
      retry: true;
      delayMs: number;
      reusedReset: boolean;
      /** Whether this retry counts against the retry budget while it runs. */
      budgeted: boolean;
    }
  | { retry: false; reason: 'not_retriable' | 'method' | 'body' | 'attempts' | 'budget' | 'deadline' | 'retry_after' };

/** RFC 9110 §9.2.2. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class RetryPolicy {
  readonly #attempts: number;
  readonly #methods: Set<string>;
  readonly #statuses: Set<number>;
  readonly #onConnect: boolean;
  readonly #onReset: boolean;
  readonly #onTimeout: boolean;
  readonly #base: number;
  readonly #max: number;
  readonly #maxRetryAfter: number;
  readonly #random: () => number;
  readonly perTryTimeoutMs: number | undefined;

  constructor(config: RetryConfig, random: () => number = Math.random) {
    this.#attempts = config.attempts;
    this.#methods = new Set(config.methods);
    this.#statuses = new Set(config.on.filter((c) => /^\d+$/.test(c)).map(Number));
    this.#onConnect = config.on.includes('connect_failure');
    this.#onReset = config.on.includes('reset');
    // A per-try timeout counts like a 504 from that try (as in Envoy).
    this.#onTimeout = config.on.includes('timeout') || config.on.includes('504');
    this.#base = config.backoff_base_ms;
    this.#max = config.backoff_max_ms;
    this.#maxRetryAfter = config.max_retry_after_ms;
    this.#random = random;
    this.perTryTimeoutMs = config.per_try_timeout_ms;
  }

  /** Whether this status is one the route retries (its response is then held back). */
  retriesStatus(status: number): boolean {
    return this.#statuses.has(status);
  }

  decide(failure: TryFailure, ctx: RetryContext, now = Date.now()): RetryDecision {
    // One free retry (as Go's transport and Envoy's reset-before-request do): when no byte of the
    // request reached the connection, for any method; when a reused keep-alive connection was
    // reset before any response byte (RFC 9112 §9.3.1), only for an idempotent request — a POST
    // already written may have been processed, and sending it again could charge twice.
    const replayable = IDEMPOTENT.has(ctx.method) || ctx.idempotencyKey;
    const reusedReset =
      failure.kind === 'reset' && !ctx.reusedResetRetried && (!failure.written || (failure.reusedConnection && replayable));
    if (!reusedReset) {
      if (!this.#covers(failure)) return { retry: false, reason: 'not_retriable' };
      if (!this.#methods.has(ctx.method) && !ctx.idempotencyKey) return { retry: false, reason: 'method' };
      if (ctx.tries > this.#attempts) return { retry: false, reason: 'attempts' };
    }
    if (!ctx.bodyReplayable) return { retry: false, reason: 'body' };
    // The budget guards upstreams against retry storms. A request that never got a connection
    // (or provably was not processed) added no load anywhere, so its retry is not counted.
    const budgeted = !reusedReset && failure.kind !== 'connect_failure';
    if (budgeted && !ctx.budgetAllows) return { retry: false, reason: 'budget' };
    let delayMs = reusedReset ? 0 : this.backoffMs(ctx.tries);
    if (failure.kind === 'status' && failure.retryAfter !== undefined) {
      const after = parseRetryAfter(failure.retryAfter, { now });
      if (after !== undefined) {
        if (after > this.#maxRetryAfter) return { retry: false, reason: 'retry_after' };
        delayMs = Math.max(delayMs, after);
      }
    }
    if (delayMs >= ctx.remainingMs) return { retry: false, reason: 'deadline' };
    return { retry: true, delayMs, reusedReset, budgeted };
  }

  /** Full-jitter exponential backoff before retry number `retry` (1-based). */
  backoffMs(retry: number): number {
    return backoffDelay(retry - 1, { baseMs: this.#base, maxMs: this.#max }, this.#random);
  }

  #covers(failure: TryFailure): boolean {
    switch (failure.kind) {
      case 'connect_failure':
        return this.#onConnect;
      case 'reset':
        return this.#onReset;
      case 'timeout':
        return this.#onTimeout;
      case 'status':
        return this.#statuses.has(failure.status);
    }
  }
}
