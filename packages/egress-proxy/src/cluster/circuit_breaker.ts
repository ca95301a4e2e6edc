/**
 * Circuit breakers of a cluster (Envoy's thresholds): requests in flight and requests waiting
 * for a connection are counted; a request over either limit is refused at once (503, flag UO)
 * instead of queueing without bound. `max_connections` bounds each endpoint's pool.
 */
export interface CircuitBreakerLimits {
  max_pending: number;
  max_requests: number;
}

export class CircuitBreaker {
  requests = 0;
  pending = 0;
  overflows = 0;

  constructor(private readonly limits: CircuitBreakerLimits) {}

  /** Admits a new request (counted as in flight and pending); false on overflow. */
  admit(): boolean {
    if (this.requests >= this.limits.max_requests || this.pending >= this.limits.max_pending) {
      this.overflows++;
      return false;
    }
    this.requests++;
    this.pending++;
    return true;
  }
}
