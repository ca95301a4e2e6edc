/**
 * What `/healthz` reports: whether the process is wedged. A timer measures how late it fires;
 * a lateness over the limit means the event loop was blocked that long. Timers run before I/O
 * in each loop turn, so a probe that waited behind a stall sees it. A blocked loop that never
 * recovers answers nothing at all, which the kubelet's probe timeout already reads as a failure.
 */
export interface Health {
  healthy: boolean;
  reason?: string;
}

export class EventLoopWatchdog {
  readonly #limitMs: number;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  #expected = 0;
  #timer: NodeJS.Timeout | undefined;
  #stall: { at: number; ms: number } | undefined;

  /**
   * @param limitMs a stall longer than this is unhealthy (0 turns the check off)
   * @param windowMs how long a stall keeps /healthz failing after it ended
   */
  constructor(limitMs: number, windowMs = 10_000, intervalMs = 250) {
    this.#limitMs = limitMs;
    this.#windowMs = windowMs;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#limitMs === 0 || this.#timer) return;
    this.#expected = performance.now() + this.#intervalMs;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  #tick(): void {
    const now = performance.now();
    const late = now - this.#expected;
    if (late > this.#limitMs) this.#stall = { at: now, ms: Math.round(late) };
    this.#expected = now + this.#intervalMs;
  }

  health(): Health {
    // A probe may be handled in the same loop turn as the stall, before the timer: look now too.
    if (this.#timer) this.#tick();
    const stall = this.#stall;
    if (!stall || performance.now() - stall.at > this.#windowMs) return { healthy: true };
    return { healthy: false, reason: `event loop blocked for ${stall.ms} ms (limit ${this.#limitMs} ms)` };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
