/** Routes and clusters built from one config; a reload builds a new table and swaps it in. */
import type { Logger } from 'pino';
import { Cluster, type ClusterEvents } from './cluster/cluster.js';
import type { ProxyMetrics } from './metrics.js';
import { RouteMatcher } from './route/matcher.js';
import { Route } from './route/route.js';
import type { ProxyConfig } from './schema.js';

export class RouteTable {
  readonly clusters = new Map<string, Cluster>();
  readonly routes: Route[] = [];
  readonly matcher: RouteMatcher<Route>;
  /** Routes that name a host: the ones an absolute-form (forward-proxy) request can take. */
  readonly hostMatcher: RouteMatcher<Route>;

  constructor(config: ProxyConfig, logger: Logger, metrics: ProxyMetrics, resolvePath: (p: string) => string) {
    const events: ClusterEvents = {
      ejected: (cluster) => metrics.ejections.labels(cluster).inc(),
    };
    for (const [name, c] of Object.entries(config.clusters)) {
      this.clusters.set(name, new Cluster(name, c, logger, resolvePath, events));
    }
    for (const r of config.routes) {
      const cluster = this.clusters.get(r.cluster);
      // The definition's rules reject unknown clusters before we get here.
      if (cluster === undefined) throw new Error(`route ${r.name}: unknown cluster ${r.cluster}`);
      this.routes.push(new Route(r, cluster, metrics, logger, resolvePath, config.listener.max_body_bytes));
    }
    this.matcher = new RouteMatcher(this.routes.map((r) => ({ match: r.config.match, value: r })));
    this.hostMatcher = new RouteMatcher(
      this.routes.filter((r) => r.config.match.host !== undefined).map((r) => ({ match: r.config.match, value: r })),
    );
  }

  async start(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((c) => c.start()));
    await Promise.all(this.routes.map((r) => r.start()));
  }

  notReadyReason(): string | undefined {
    for (const c of this.clusters.values()) {
      const reason = c.notReadyReason();
      if (reason !== undefined) return reason;
    }
    for (const r of this.routes) {
      const reason = r.notReadyReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** Closes watchers, then lets requests in flight finish on the pools before closing them. */
  async close(): Promise<void> {
    await Promise.all(this.routes.map((r) => r.close()));
    await Promise.all([...this.clusters.values()].map((c) => c.close()));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.routes.map((r) => r.close()));
    await Promise.all([...this.clusters.values()].map((c) => c.destroy()));
  }
}
