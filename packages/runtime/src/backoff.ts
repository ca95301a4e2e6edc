/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the wait before retry n+1 is uniform in [0, min(cap, base · 2^n)]. Jitter spreads the
 * retries of many clients that failed together, so they do not come back in step.
 */
export interface BackoffOptions {
  /** The ceiling of the first wait. */
  baseMs: number;
  /** The cap of every wait. */
  maxMs: number;
}

/** Milliseconds to wait after `attempt` failures so far (0 before the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * ceiling);
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
