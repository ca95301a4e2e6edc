/** Prometheus metrics of the proxy, per route and cluster (prom-client on the runtime's registry). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RouteMetrics {
  /** Index = status class (1..5); 0 unused. */
  byClass: ReturnType<Counter<string>['labels']>[];
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
  #connectionSource: () => Iterable<[string, number]> = () => [];
  #healthySource: () => Iterable<[string, number]> = () => [];

  constructor(registry: Registry, name: (suffix: string) => string) {
    const registers = [registry];
    this.requests = new Counter({
      name: name('requests_total'),
      help: 'Requests by route, cluster and status class (proxy-made errors included).',
      labelNames: ['route', 'cluster', 'status_class'],
      registers,
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
    const self = this;
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
    const byClass = [1, 1, 2, 3, 4, 5].map((c) => this.requests.labels(route, cluster, `${c}xx`));
    return { byClass, duration: this.duration.labels(route), retries: this.retries.labels(route) };
  }
}
