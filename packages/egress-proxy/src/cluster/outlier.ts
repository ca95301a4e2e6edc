/**
 * Passive outlier ejection: consecutive 5xx or connect failures eject an endpoint for
 * `base_ejection_ms × times ejected` (capped), while at most `max_ejection_percent` of the
 * cluster — and never every endpoint — is ejected at once. Pure: the clock is passed in.
 */

export interface OutlierConfig {
  consecutive_5xx: number;
  consecutive_connect_failures: number;
  base_ejection_ms: number;
  max_ejection_ms: number;
  max_ejection_percent: number;
}

export class OutlierState {
  consecutive5xx = 0;
  consecutiveConnectFailures = 0;
  ejectedUntil = 0;
  timesEjected = 0;

  ejected(now: number): boolean {
    return this.ejectedUntil > now;
  }
}

export type TryOutcome = 'success' | '5xx' | 'connect_failure';

export class OutlierDetector {
  constructor(private readonly config: OutlierConfig) {}

  /** How many of `total` endpoints may be ejected at the same time. */
  maxEjected(total: number): number {
    return Math.min(total - 1, Math.floor((total * this.config.max_ejection_percent) / 100));
  }

  /**
   * Records one try's outcome. Returns the ejection time in ms when this outcome ejects the
   * endpoint, else 0. `ejectedNow` is how many endpoints of the cluster are ejected right now.
   */
  record(state: OutlierState, outcome: TryOutcome, total: number, ejectedNow: number, now: number): number {
    if (outcome === 'success') {
      state.consecutive5xx = 0;
      state.consecutiveConnectFailures = 0;
      return 0;
    }
    if (outcome === '5xx') state.consecutive5xx++;
    else state.consecutiveConnectFailures++;
    const tripped =
      state.consecutive5xx >= this.config.consecutive_5xx || state.consecutiveConnectFailures >= this.config.consecutive_connect_failures;
    if (!tripped || state.ejected(now) || ejectedNow >= this.maxEjected(total)) return 0;
    state.timesEjected++;
    const ms = Math.min(this.config.max_ejection_ms, this.config.base_ejection_ms * state.timesEjected);
    state.ejectedUntil = now + ms;
    state.consecutive5xx = 0;
    state.consecutiveConnectFailures = 0;
    return ms;
  }
}
