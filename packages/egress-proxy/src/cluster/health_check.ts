/**
 * Active HTTP health checks: GET `path` on every endpoint each `interval_ms`; a 2xx within
 * `timeout_ms` is a pass. `unhealthy_threshold` failures in a row mark an endpoint unhealthy,
 * `healthy_threshold` passes in a row bring it back. The threshold logic is pure (`HealthState`).
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import type { UpstreamController, UpstreamHandler } from '../endpoint/upstream-pool.js';

export interface HealthCheckConfig {
  path: string;
  interval_ms: number;
  timeout_ms: number;
  unhealthy_threshold: number;
  healthy_threshold: number;
}

export class HealthState {
  #passes = 0;
  #failures = 0;

  constructor(private readonly config: Pick<HealthCheckConfig, 'unhealthy_threshold' | 'healthy_threshold'>) {}

  /** Records one probe; returns the new health given the current one. */
  record(ok: boolean, healthy: boolean): boolean {
    if (ok) {
      this.#failures = 0;
      this.#passes++;
      if (!healthy && this.#passes >= this.config.healthy_threshold) return true;
    } else {
      this.#passes = 0;
      this.#failures++;
      if (healthy && this.#failures >= this.config.unhealthy_threshold) return false;
    }
    return healthy;
  }
}

export class HealthChecker {
  readonly #states = new WeakMap<Endpoint, HealthState>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly config: HealthCheckConfig,
    private readonly endpoints: () => readonly Endpoint[],
    private readonly onChange: (endpoint: Endpoint, healthy: boolean) => void,
  ) {}

  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      void this.probeAll().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, this.config.interval_ms).unref();
      });
    };
    tick();
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.endpoints().map((e) => this.#probe(e)));
  }

  async #probe(endpoint: Endpoint): Promise<void> {
    const ok = await probe(endpoint, this.config.path, this.config.timeout_ms);
    if (this.#stopped) return;
    let state = this.#states.get(endpoint);
    if (state === undefined) {
      state = new HealthState(this.config);
      this.#states.set(endpoint, state);
    }
    const healthy = state.record(ok, endpoint.healthy);
    if (healthy !== endpoint.healthy) {
      endpoint.healthy = healthy;
      this.onChange(endpoint, healthy);
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

/** One GET on the endpoint's pool: whether a 2xx arrived, whole, within `timeoutMs`. */
function probe(endpoint: Endpoint, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let status = 0;
    const timer = setTimeout(() => controller.abort(new Error('health check timeout')), timeoutMs);
    const settle = (ok: boolean): void => {
      clearTimeout(timer);
      resolve(ok);
    };
    const handler: UpstreamHandler = {
      onRequestStart: () => {},
      onResponseStart: (_c: UpstreamController, code: number) => {
        status = code;
      },
      onResponseData: () => {},
      onResponseEnd: () => settle(status >= 200 && status < 300),
      onResponseError: () => settle(false),
    };
    const controller = endpoint.pool.dispatch(
      { method: 'GET', path, headers: ['host', endpoint.host, 'user-agent', 'outrigger-health-check'], body: null },
      handler,
    );
  });
}
