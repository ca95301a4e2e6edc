/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the wait before attempt n+1 is uniform in [0, min(cap, base · 2^n)].
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * exp);
}

/**
 * The wait before the next attempt: a server's `Retry-After` wins when given (never re-send before
 * it), otherwise the jittered backoff.
 */
export function nextDelay(
  attempt: number,
  options: BackoffOptions,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return backoffDelay(attempt, options, random);
}

/**
 * Resolves after `ms` of wall-clock time, or rejects with the signal's reason when it aborts
 * first. Timers may fire a fraction of a millisecond early by `Date.now()`; a Retry-After is a
 * promise to the server, so an early wake-up waits out the rest.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const until = Date.now() + ms;
    let timer: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const arm = (wait: number) => {
      timer = setTimeout(() => {
        const left = until - Date.now();
        if (left > 0) return arm(left);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
    };
    arm(ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
