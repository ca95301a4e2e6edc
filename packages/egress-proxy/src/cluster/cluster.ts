/**
 * A cluster: its endpoints (static, or every address of a DNS name re-resolved periodically),
 * load balancing, active health checks, passive outlier ejection and circuit breakers.
 */
import { lookup } from 'node:dns/promises';
import { TlsFiles } from '@outrigger/runtime';
import type { Logger } from 'pino';
import { Endpoint, type EndpointOptions } from '../endpoint/endpoint.js';
import type { ClusterConfig } from '../schema.js';
import { type Balancer, createBalancer } from './balancer.js';
import { CircuitBreaker } from './circuit_breaker.js';
import { HealthChecker } from './health_check.js';
import { OutlierDetector, type TryOutcome } from './outlier.js';
import { ReplayBudget } from './replay_budget.js';

export interface ClusterEvents {
  ejected(cluster: string, endpoint: Endpoint, ms: number): void;
}

export type Resolver = (host: string) => Promise<string[]>;

const defaultResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class Cluster {
  endpoints: Endpoint[] = [];
  readonly breaker: CircuitBreaker;
  readonly replayBudget: ReplayBudget;
  readonly #balancer: Balancer<Endpoint>;
  readonly #detector: OutlierDetector;
  readonly #tls: TlsFiles | undefined;
  readonly #health: HealthChecker | undefined;
  #dnsTimer: NodeJS.Timeout | undefined;
  #dnsError: string | undefined;
  #dnsResolved = false;
  #closed = false;

  constructor(
    readonly name: string,
    readonly config: ClusterConfig,
    private readonly logger: Logger,
    resolvePath: (path: string) => string,
    private readonly events: ClusterEvents,
    private readonly resolver: Resolver = defaultResolver,
  ) {
    this.breaker = new CircuitBreaker(config.circuit_breaker);
    this.replayBudget = new ReplayBudget(config.replay_buffer_limit_bytes);
    this.#balancer = createBalancer<Endpoint>(config.lb);
    this.#detector = new OutlierDetector(config.outlier_detection);
    const https = config.dns?.scheme === 'https' || (config.endpoints ?? []).some((e) => e.startsWith('https:'));
    if (config.tls !== undefined || https) {
      // Endpoints compare its generation when they connect: nothing to rebuild on a change.
      this.#tls = new TlsFiles(config.tls, { resolvePath, logger: logger.child({ cluster: name }) });
    }
    if (config.health_check !== undefined) {
      this.#health = new HealthChecker(
        config.health_check,
        () => this.endpoints,
        (endpoint, healthy) =>
          this.logger.warn(
            { cluster: name, endpoint: endpoint.url.href, healthy },
            healthy ? 'endpoint healthy again' : 'endpoint failed its health checks',
          ),
      );
    }
    for (const url of config.endpoints ?? []) {
      const parsed = new URL(url);
      this.endpoints.push(new Endpoint(parsed, parsed.host, this.#endpointOptions(undefined)));
    }
  }

  #endpointOptions(serverName: string | undefined): EndpointOptions {
    return {
      connectTimeoutMs: this.config.connect_timeout_ms,
      idleTimeoutMs: this.config.idle_timeout_ms,
      maxConnections: this.config.circuit_breaker.max_connections,
      // The breaker's max_pending already bounds the requests waiting for a connection (+1: a
      // health check's probe, one at a time per endpoint, is not counted by the breaker).
      maxQueued: this.config.circuit_breaker.max_pending + 1,
      tls: this.#tls,
      serverName,
    };
  }

  async start(): Promise<void> {
    await this.#tls?.ready();
    if (this.config.dns !== undefined) await this.#resolve();
    this.#health?.start();
  }

  async #resolve(): Promise<void> {
    const dns = this.config.dns;
    if (dns === undefined || this.#closed) return;
    const colon = dns.name.lastIndexOf(':');
    const host = dns.name.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = dns.name.slice(colon + 1);
    try {
      const addresses = [...new Set(await this.resolver(host))];
      if (addresses.length === 0) throw new Error('no addresses');
      if (this.#closed) return;
      const hostHeader = dns.name.endsWith(`:${dns.scheme === 'https' ? 443 : 80}`) ? host : dns.name;
      const keep: Endpoint[] = [];
      const wanted = new Set(addresses.map((a) => `${dns.scheme}://${a.includes(':') ? `[${a}]` : a}:${port}`));
      for (const e of this.endpoints) {
        if (wanted.has(e.url.origin)) {
          keep.push(e);
          wanted.delete(e.url.origin);
        } else {
          // In the background: a failure must not become an unhandled rejection (the runtime exits on those).
          e.close().catch((err: Error) =>
            this.logger.warn({ cluster: this.name, endpoint: e.url.href, reason: err.message }, 'closing a removed endpoint failed'),
          );
        }
      }
      for (const origin of wanted) {
        keep.push(new Endpoint(new URL(origin), hostHeader, this.#endpointOptions(host)));
      }
      if (keep.length !== this.endpoints.length || wanted.size > 0) {
        this.logger.info({ cluster: this.name, addresses }, 'dns endpoints updated');
      }
      this.endpoints = keep;
      this.#dnsResolved = true;
      this.#dnsError = undefined;
    } catch (err) {
      this.#dnsError = `${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      this.logger.warn({ code: 'OUTRIGGER_E_DNS', cluster: this.name, reason: this.#dnsError }, 'dns resolution failed');
    }
    if (!this.#closed) this.#dnsTimer = setTimeout(() => void this.#resolve(), dns.refresh_ms).unref();
  }

  /**
   * Why the cluster cannot be used as configured — its own TLS material is unusable — or
   * undefined. Only what is local to the pod counts: an upstream down or a name that does not
   * resolve is remote trouble, shown by `problem()`, never by readiness.
   */
  notReadyReason(): string | undefined {
    if (this.#tls?.error !== undefined) return `cluster ${this.name}: tls: ${this.#tls.error}`;
    return undefined;
  }

  /** What keeps the cluster from serving requests right now, for /status; undefined when nothing. */
  problem(now: number): string | undefined {
    const local = this.notReadyReason();
    if (local !== undefined) return local;
    if (this.config.dns !== undefined && !this.#dnsResolved) return `dns: ${this.#dnsError ?? 'not resolved yet'}`;
    if (this.endpoints.length === 0) return 'no endpoints';
    if (this.healthyEndpoints(now) === 0) return 'no healthy endpoint (all failing health checks or ejected)';
    return undefined;
  }

  /** Endpoints that pass their health checks and are not ejected. */
  healthyEndpoints(now: number): number {
    let n = 0;
    for (const e of this.endpoints) if (e.healthy && e.outlier.ejectedUntil <= now) n++;
    return n;
  }

  /** An endpoint for the next try: healthy, not ejected, preferably not tried already. */
  pick(tried: ReadonlySet<Endpoint> | undefined, now: number): Endpoint | undefined {
    const all = this.endpoints;
    if (tried === undefined) {
      // The common case: every endpoint usable, no earlier try; choose without allocating.
      let usable = true;
      for (const e of all) {
        if (!e.healthy || e.outlier.ejectedUntil > now) {
          usable = false;
          break;
        }
      }
      if (usable && all.length > 0) return all.length === 1 ? all[0] : this.#balancer.pick(all);
    }
    let candidates: Endpoint[] = [];
    for (const e of all) if (e.healthy && !e.outlier.ejected(now)) candidates.push(e);
    if (candidates.length === 0) return undefined;
    if (tried !== undefined && tried.size > 0 && candidates.length > 1) {
      const fresh = candidates.filter((e) => !tried.has(e));
      if (fresh.length > 0) candidates = fresh;
    }
    return candidates.length === 1 ? candidates[0] : this.#balancer.pick(candidates);
  }

  /** Feeds one try's outcome to outlier detection. */
  record(endpoint: Endpoint, outcome: TryOutcome, now: number): void {
    const state = endpoint.outlier;
    if (outcome === 'success' && state.consecutive5xx === 0 && state.consecutiveConnectFailures === 0) return;
    let ejectedNow = 0;
    if (outcome !== 'success') for (const e of this.endpoints) if (e.outlier.ejected(now)) ejectedNow++;
    const ms = this.#detector.record(state, outcome, this.endpoints.length, ejectedNow, now);
    if (ms > 0) {
      this.logger.warn(
        { cluster: this.name, endpoint: endpoint.url.href, ejection_ms: ms, times_ejected: state.timesEjected },
        'endpoint ejected',
      );
      this.events.ejected(this.name, endpoint, ms);
    }
  }

  connections(): number {
    let n = 0;
    for (const e of this.endpoints) n += e.connections();
    return n;
  }

  status(now: number): object {
    return {
      lb: this.config.lb,
      requests: this.breaker.requests,
      pending: this.breaker.pending,
      overflows: this.breaker.overflows,
      replay_buffer_bytes: this.replayBudget.used,
      problem: this.problem(now),
      healthy_endpoints: this.healthyEndpoints(now),
      endpoints: this.endpoints.map((e) => e.status(now)),
    };
  }

  /** Stops background work; waits for requests in flight on the pools, then closes them. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#dnsTimer);
    this.#health?.stop();
    await this.#tls?.close();
    await Promise.all(this.endpoints.map((e) => e.close()));
  }

  async destroy(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#dnsTimer);
    this.#health?.stop();
    await this.#tls?.close();
    await Promise.all(this.endpoints.map((e) => e.destroy()));
  }
}
