/** Prometheus metrics of the proxy, per route and cluster (prom-client on the runtime's registry). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RouteMetrics {
  /** Counts one answer of `status` (by its class, 1xx..5xx) in requests_total. */
  count(status: number): void;
  duration: ReturnType<Histogram<string>['labels']>;
  retries: ReturnType<Counter<string>['labels']>;
}

export class ProxyMetrics {
  readonly requests: Counter<string>;
  readonly duration: Histogram<string>;
  readonly retries: Counter<string>;
  readonly ejections: Counter<string>;
  readonly overflows: Counter<string>;
  readonly connections: Gauge<string>;
  readonly refusedConnections: Counter<string>;
  readonly clientTimeouts: Counter<string>;
  readonly forwardRequests: Counter<string>;
  readonly tunnelsActive: Gauge<string>;
  readonly tunnelBytes: Counter<string>;
  readonly healthyEndpoints: Gauge<string>;
  /**
   * requests_total's counts by route and cluster, as plain numbers published at each scrape:
   * prom-client's `inc` hashes and validates the labels on every call, on every request.
   * Kept across reloads (a route's series goes on), as prom-client's children were.
   */
  readonly #counts = new Map<string, ClassCounts>();
  #connectionSource: () => Iterable<[string, number]> = () => [];
  #healthySource: () => Iterable<[string, number]> = () => [];

  constructor(registry: Registry, name: (suffix: string) => string) {
    const registers = [registry];
    const self = this;
    this.requests = new Counter({
      name: name('requests_total'),
      help: 'Requests by route, cluster and status class (proxy-made errors included).',
      labelNames: ['route', 'cluster', 'status_class'],
      registers,
      collect() {
        this.reset();
        for (const c of self.#counts.values()) {
          for (let k = 1; k <= 5; k++) {
            const n = c.byClass[k] as number;
            if (n > 0) this.inc({ route: c.route, cluster: c.cluster, status_class: `${k}xx` }, n);
          }
        }
      },
    });
    this.duration = new Histogram({
      name: name('request_duration_seconds'),
      help: 'Time from the request until the response ended, by route.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.retries = new Counter({
      name: name('retries_total'),
      help: 'Retries made, by route.',
      labelNames: ['route'],
      registers,
    });
    this.ejections = new Counter({
      name: name('ejections_total'),
      help: 'Endpoints ejected by outlier detection, by cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.overflows = new Counter({
      name: name('circuit_breaker_overflows_total'),
      help: 'Requests refused by a circuit breaker, by cluster.',
      labelNames: ['cluster'],
      registers,
    });
    this.refusedConnections = new Counter({
      name: name('listener_refused_connections_total'),
      help: 'App connections closed at once because listener.max_connections were open.',
      registers,
    });
    this.clientTimeouts = new Counter({
      name: name('client_timeouts_total'),
      help: 'Requests answered 408 because the app stopped sending its headers or body (flag DT).',
      registers,
    });
    this.forwardRequests = new Counter({
      name: name('forward_requests_total'),
      help: 'Forward-proxy requests by kind (http, connect, upgrade) and policy decision (allowed, denied, error).',
      labelNames: ['kind', 'decision'],
      registers,
    });
    this.tunnelsActive = new Gauge({
      name: name('tunnels_active'),
      help: 'Open tunnels (CONNECT and upgrades).',
      registers,
    });
    this.tunnelBytes = new Counter({
      name: name('tunnel_bytes_total'),
      help: 'Bytes through tunnels, by direction (up: app to upstream, down: back).',
      labelNames: ['direction'],
      registers,
    });
    this.connections = new Gauge({
      name: name('pool_connections'),
      help: 'Open upstream connections, by cluster.',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const [cluster, n] of self.#connectionSource()) this.set({ cluster }, n);
      },
    });
    this.healthyEndpoints = new Gauge({
      name: name('cluster_healthy_endpoints'),
      help: 'Endpoints passing health checks and not ejected, by cluster (0: every call to it fails).',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const [cluster, n] of self.#healthySource()) this.set({ cluster }, n);
      },
    });
  }

  setConnectionSource(source: () => Iterable<[string, number]>): void {
    this.#connectionSource = source;
  }

  setHealthySource(source: () => Iterable<[string, number]>): void {
    this.#healthySource = source;
  }

  forRoute(route: string, cluster: string): RouteMetrics {
    const counts = this.#countsOf(route, cluster);
    return {
      count: (status) => counts.add(status),
      duration: this.duration.labels(route),
      retries: this.retries.labels(route),
    };
  }

  /** Counts an answer no route owns (refused before routing: no route, bad framing). */
  countUnrouted(status: number): void {
    this.#countsOf('', '').add(status);
  }

  #countsOf(route: string, cluster: string): ClassCounts {
    const key = `${route}\u0000${cluster}`;
    let counts = this.#counts.get(key);
    if (counts === undefined) {
      counts = new ClassCounts(route, cluster);
      this.#counts.set(key, counts);
    }
    return counts;
  }
}

/** Answers of one route and cluster by status class. */
class ClassCounts {
  /** Index = status class (1..5); 0 unused. */
  readonly byClass = [0, 0, 0, 0, 0, 0];

  constructor(
    readonly route: string,
    readonly cluster: string,
  ) {}

  add(status: number): void {
    const k = Math.floor(status / 100);
    if (k >= 1 && k <= 5) (this.byClass[k] as number)++;
  }
}
