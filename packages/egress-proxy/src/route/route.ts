/** A route compiled once from its config: matcher value, policies, rewriters, credentials. */
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { ProxyMetrics, RouteMetrics } from '../metrics.js';
import type { RouteConfig } from '../schema.js';
import { Credentials } from './credentials.js';
import { TokenBucket } from './rate-limit.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy } from './retry-policy.js';
import { HeaderRewriter, rewritePath } from './rewrite.js';

export class Route {
  readonly name: string;
  readonly policy: RetryPolicy;
  readonly budget: RetryBudget;
  readonly requestRewriter: HeaderRewriter;
  readonly responseRewriter: HeaderRewriter;
  readonly credentials: Credentials | undefined;
  readonly rateLimit: TokenBucket | undefined;
  readonly metrics: RouteMetrics;
  readonly maxBodyBytes: number | undefined;

  constructor(
    readonly config: RouteConfig,
    readonly cluster: Cluster,
    metrics: ProxyMetrics,
    logger: Logger,
    resolvePath: (path: string) => string,
    listenerMaxBodyBytes: number | undefined,
  ) {
    this.name = config.name;
    this.policy = new RetryPolicy(config.retry);
    this.budget = new RetryBudget(config.retry.budget_percent, config.retry.min_retry_concurrency);
    this.requestRewriter = new HeaderRewriter(config.request_headers);
    this.responseRewriter = new HeaderRewriter(config.response_headers);
    this.credentials =
      config.credentials === undefined
        ? undefined
        : new Credentials(config.credentials, resolvePath(config.credentials.file), logger, config.name);
    this.rateLimit =
      config.rate_limit === undefined ? undefined : new TokenBucket(config.rate_limit.requests_per_second, config.rate_limit.burst);
    this.metrics = metrics.forRoute(config.name, cluster.name);
    const limits = [config.max_body_bytes, listenerMaxBodyBytes].filter((n): n is number => n !== undefined);
    this.maxBodyBytes = limits.length === 0 ? undefined : Math.min(...limits);
  }

  /** The path sent upstream. */
  upstreamPath(path: string): string {
    const c = this.config;
    return rewritePath(path, c.match.path_prefix, c.strip_prefix, c.prefix_rewrite);
  }

  async start(): Promise<void> {
    await this.credentials?.start();
  }

  notReadyReason(): string | undefined {
    const error = this.credentials?.error;
    return error === undefined ? undefined : `route ${this.name}: credentials: ${error}`;
  }

  async close(): Promise<void> {
    await this.credentials?.close();
  }
}
