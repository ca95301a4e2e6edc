/**
 * A retry budget (Envoy's `retry_budget`, Linkerd's retry ratio): retries in flight may be at
 * most `percent` of the active requests of a route, or `floor`, whichever is larger. Under a
 * total upstream failure the retry traffic stays bounded instead of multiplying the load.
 */
export class RetryBudget {
  readonly #share: number;
  readonly #floor: number;
  active = 0;
  retrying = 0;

  constructor(percent: number, floor: number) {
    this.#share = percent / 100;
    this.#floor = floor;
  }

  allows(): boolean {
    return this.retrying < Math.max(this.#floor, this.active * this.#share);
  }
}
