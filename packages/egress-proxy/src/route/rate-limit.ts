/** A token bucket: `rate` tokens per second, at most `burst` saved. Pure; the clock is injected. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(requestsPerSecond: number, burst: number | undefined, now: () => number = performance.now.bind(performance)) {
    this.#rate = requestsPerSecond / 1000;
    this.#burst = burst ?? Math.max(1, Math.ceil(requestsPerSecond));
    this.#now = now;
    this.#tokens = this.#burst;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (for Retry-After). */
  waitMs(): number {
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#rate);
  }
}
