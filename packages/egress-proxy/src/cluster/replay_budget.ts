/**
 * The bytes of request bodies a cluster keeps for replay, summed over its requests in flight:
 * each request may keep up to its route's `retry.buffer_bytes`, and all of them together up to
 * the cluster's `replay_buffer_limit_bytes`. Over it, a body is streamed without a copy (and its
 * request is then not retried), so memory stays bounded under any concurrency.
 */
export class ReplayBudget {
  used = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit; false (nothing taken) if not. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}
