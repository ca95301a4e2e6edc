/**
 * The proxy: the listener's request handler in front of the current route table. Local
 * decisions (framing, no route, rate limit, body limit, credentials, circuit breakers) happen
 * here before a `Forward` takes the request to the cluster.
 */
import type { Socket } from 'node:net';
import { parseHostPort, type Readiness, type SidecarContext, type SidecarInstance } from '@outrigger/runtime';
import type { Logger } from 'pino';
import { ForwardProxy, upgradeHead } from './forward/forward-proxy.js';
import { openTunnel, Tunnels } from './forward/tunnel.js';
import { newRequestId } from './http/request-id.js';
import { pathOnly } from './http/request-target.js';
import type { AppRequest } from './listener/app-request.js';
import type { AppResponse } from './listener/app-response.js';
import { acceptableRequestId, upstreamRequestHeaders } from './listener/hygiene.js';
import { Listener } from './listener/server.js';
import { ProxyMetrics } from './metrics.js';
import { Flags, type ProxyError, rawProxyError, sendProxyError } from './proxy-error.js';
import { Forward, type ForwardEnv, type ForwardResult } from './route/forward.js';
import { RequestBody } from './route/request-body.js';
import type { Route } from './route/route.js';
import { RouteTable } from './route-table.js';
import type { ProxyConfig } from './schema.js';

export class EgressProxy implements SidecarInstance {
  #config: ProxyConfig;
  #table: RouteTable;
  readonly #listener: Listener;
  readonly #logger: Logger;
  readonly #metrics: ProxyMetrics;
  readonly #ctx: SidecarContext;
  #inFlight = 0;
  #started = false;
  #draining = false;
  readonly #idHeader: string;
  readonly #accessLog: boolean;
  readonly #dropUnderscores: boolean;
  #forward: ForwardProxy | undefined;
  readonly #tunnels = new Tunnels();
  readonly #forwardEnv: ForwardEnv;

  constructor(config: ProxyConfig, ctx: SidecarContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#logger = ctx.logger;
    this.#metrics = new ProxyMetrics(ctx.metrics, (s) => ctx.metricName(s));
    this.#table = new RouteTable(config, ctx.logger, this.#metrics, ctx.resolvePath);
    this.#metrics.setConnectionSource(() => [...this.#table.clusters].map(([n, c]) => [n, c.connections()]));
    this.#metrics.setHealthySource(() => {
      const now = Date.now();
      return [...this.#table.clusters].map(([n, c]) => [n, c.healthyEndpoints(now)]);
    });
    this.#idHeader = config.listener.request_id_header.toLowerCase();
    this.#accessLog = config.listener.access_log;
    this.#dropUnderscores = config.listener.underscore_headers === 'drop';
    this.#forward = this.#buildForward(config);
    this.#listener = new Listener(
      config.listener,
      ctx.logger,
      (req, res, expect) => this.handle(req, res, expect),
      {
        refused: () => this.#metrics.refusedConnections.inc(),
        clientTimeout: () => this.#metrics.clientTimeouts.inc(),
        // Refused by the listener itself (framing, Host, limits): counted with empty labels.
        rejected: (status) => this.#metrics.countUnrouted(status),
      },
      {
        connect: (req, socket, head) => this.#connect(req, socket, head),
        upgrade: (req, socket, head) => this.#upgrade(req, socket, head),
      },
    );
    this.#forwardEnv = {
      requestIdHeader: this.#idHeader,
      done: (forward, result) => this.#complete(forward.route, result),
      clientTimeout: () => this.#metrics.clientTimeouts.inc(),
    };
  }

  /** The bound data address (`host:port`), once started. */
  get address(): string | undefined {
    return this.#listener.address;
  }

  #buildForward(config: ProxyConfig): ForwardProxy | undefined {
    if (!config.forward_proxy.enabled) return undefined;
    return new ForwardProxy(
      config.forward_proxy,
      this.#logger,
      this.#metrics,
      this.#ctx.resolvePath,
      config.listener.underscore_headers === 'drop',
      this.#tunnels,
    );
  }

  async start(): Promise<void> {
    await this.#table.start();
    await this.#forward?.start();
    await this.#listener.listen(parseHostPort(this.#config.listen));
    this.#started = true;
  }

  /**
   * Ready once the listener is bound and the config's local material (TLS files, credentials) is
   * usable. Clusters whose endpoints are all down stay ready: /status, the
   * cluster_healthy_endpoints metric and the log say so (an outage elsewhere must not take the
   * pod out of its Service).
   */
  readiness(): Readiness {
    if (!this.#started) return { ready: false, reason: 'starting' };
    const reason = this.#table.notReadyReason() ?? this.#forward?.notReadyReason();
    return reason === undefined ? { ready: true } : { ready: false, reason };
  }

  /** The app may still be draining and calling out: keep serving until the deadline. */
  async drain(deadline: AbortSignal): Promise<void> {
    this.#draining = true;
    this.#logger.info({ in_flight: this.#inFlight }, 'draining: still serving outbound calls until the deadline');
    if (deadline.aborted) return;
    await new Promise<void>((resolve) => deadline.addEventListener('abort', () => resolve(), { once: true }));
  }

  inFlight(): number {
    return this.#inFlight;
  }

  async stop(): Promise<void> {
    // Upgraded and CONNECT sockets are no longer HTTP connections the server can close itself.
    const closed = this.#listener.close();
    this.#tunnels.destroyAll();
    await closed;
    await this.#table.destroy();
    await this.#forward?.close();
  }

  async reload(config: unknown): Promise<void> {
    const next = config as ProxyConfig;
    if (next.listen !== this.#config.listen || JSON.stringify(next.listener) !== JSON.stringify(this.#config.listener)) {
      this.#logger.warn('listen and listener settings change only on restart; routes and clusters are reloaded');
    }
    const table = new RouteTable(next, this.#logger, this.#metrics, this.#ctx.resolvePath);
    const forward = this.#buildForward({ ...next, listener: this.#config.listener });
    try {
      await table.start();
      await forward?.start();
    } catch (err) {
      await table.destroy();
      await forward?.close();
      throw err;
    }
    const old = this.#table;
    this.#table = table;
    // The egress policy, resolver and proxy auth reload with the config; open tunnels keep going.
    const oldForward = this.#forward;
    this.#forward = forward;
    oldForward?.close().catch((err: Error) => this.#logger.warn({ reason: err.message }, 'closing the old forward proxy failed'));
    this.#config = { ...next, listen: this.#config.listen, listener: this.#config.listener };
    this.#logger.info({ routes: table.routes.length, clusters: table.clusters.size }, 'routes and clusters reloaded');
    // Requests in flight keep their old route and cluster; the old pools close once they finish.
    old.close().catch((err: Error) => this.#logger.warn({ reason: err.message }, 'closing the old routes and clusters failed'));
  }

  status(): unknown {
    const now = Date.now();
    const mem = process.memoryUsage();
    return {
      listen: this.#listener.address,
      draining: this.#draining,
      in_flight: this.#inFlight,
      tunnels: this.#tunnels.size,
      process: { rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed },
      routes: this.#table.routes.map((r) => ({
        name: r.name,
        match: r.config.match,
        cluster: r.cluster.name,
        active: r.budget.active,
        retries_in_flight: r.budget.retrying,
      })),
      clusters: Object.fromEntries([...this.#table.clusters].map(([n, c]) => [n, c.status(now)])),
    };
  }

  handle(req: AppRequest, res: AppResponse, expectContinue: boolean): void {
    this.#inFlight++;
    const raw = req.rawHeaders;
    const requestId = acceptableRequestId(req.header(this.#idHeader)) ?? newRequestId();
    let url = req.url;
    let host = req.host;
    let route: Route | undefined;
    if (url.charCodeAt(0) !== 47 /* / */) {
      // Absolute-form (HTTP_PROXY): a route naming the host applies its features; else the
      // forward proxy takes it behind the egress policy.
      const target = this.#absoluteTarget(req, res, requestId);
      if (target === undefined) return;
      url = `${target.url.pathname}${target.url.search}`;
      host = target.url.host;
      route = this.#table.hostMatcher.match(host, url);
      if (route === undefined) {
        res.onClose(() => this.#inFlight--);
        void target.forward.http(req, res, target.url, requestId, this.#idHeader, expectContinue);
        return;
      }
    } else {
      route = this.#table.matcher.match(host, url);
    }
    if (route === undefined) {
      this.#reject(req, res, undefined, requestId, { status: 404, code: 'OUTRIGGER_E_NO_ROUTE', flags: [Flags.NoRoute] });
      return;
    }
    if (route.rateLimit !== undefined && !route.rateLimit.take()) {
      this.#reject(req, res, route, requestId, {
        status: 429,
        code: 'OUTRIGGER_E_RATE_LIMITED',
        flags: [Flags.RateLimited],
        retryAfter: Math.max(1, Math.ceil(route.rateLimit.waitMs() / 1000)),
      });
      return;
    }
    const hasBody = req.hasBody;
    if (route.maxBodyBytes !== undefined && req.bodyLength > route.maxBodyBytes) {
      this.#reject(
        req,
        res,
        route,
        requestId,
        {
          status: 413,
          code: 'OUTRIGGER_E_BODY_TOO_LARGE',
          flags: [Flags.BodyTooLarge],
          detail: `request body exceeds ${route.maxBodyBytes} bytes`,
        },
        true,
      );
      return;
    }
    let credential: { name: string; value: string } | undefined;
    if (route.credentials !== undefined) {
      const value = route.credentials.value;
      if (value === undefined) {
        this.#reject(req, res, route, requestId, {
          status: 503,
          code: 'OUTRIGGER_E_CREDENTIALS',
          flags: [Flags.Credentials],
          retryAfter: 1,
        });
        return;
      }
      credential = { name: route.credentials.name, value };
    }
    const cluster = route.cluster;
    if (!cluster.breaker.admit()) {
      this.#metrics.overflows.labels(cluster.name).inc();
      this.#reject(req, res, route, requestId, {
        status: 503,
        code: 'OUTRIGGER_E_OVERFLOW',
        flags: [Flags.Overflow],
        retryAfter: 1,
      });
      return;
    }
    const headers = upstreamRequestHeaders(raw, {
      host: '',
      requestIdHeader: this.#idHeader,
      requestId,
      via: route.config.via,
      forwarded: route.config.forwarded,
      clientAddress: req.remoteAddress ?? 'unknown',
      originalHost: host,
      rewriter: route.requestRewriter,
      credential,
      dropUnderscores: this.#dropUnderscores,
    });
    let forward: Forward | undefined;
    const body = hasBody
      ? new RequestBody(
          req,
          route.config.retry.buffer_bytes,
          route.maxBodyBytes,
          (err) => forward?.bodyTooLarge(err.limit),
          cluster.replayBudget,
        )
      : undefined;
    forward = new Forward(this.#forwardEnv, route, req, res, requestId, headers, route.upstreamPath(url), body);
    if (expectContinue) res.writeContinue();
    forward.start();
  }

  /** The forward proxy and the URL of an absolute-form request it may take, or the error to answer. */
  #parseAbsolute(req: AppRequest): { forward: ForwardProxy; url: URL } | ProxyError {
    const forward = this.#forward;
    const bad = (detail: string): ProxyError => ({ status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', flags: [], detail });
    if (forward === undefined) {
      return bad('absolute-form requests need forward_proxy.enabled; named routes take origin-form (GET /path)');
    }
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return bad('a malformed absolute-form target');
    }
    if (url.protocol !== 'http:' || url.username !== '' || url.password !== '') {
      return bad('absolute-form targets are http:// without userinfo (https goes through CONNECT)');
    }
    return forward.authProblem(req) ?? { forward, url };
  }

  /** `#parseAbsolute` for a request with a response: refused there when it cannot be taken. */
  #absoluteTarget(req: AppRequest, res: AppResponse, requestId: string): { forward: ForwardProxy; url: URL } | undefined {
    const target = this.#parseAbsolute(req);
    if ('url' in target) return target;
    const extra = target.status === 407 ? { 'proxy-authenticate': ['Basic realm="outrigger"', 'Bearer'] } : undefined;
    this.#reject(req, res, undefined, requestId, target, false, extra);
    return undefined;
  }

  #connect(req: AppRequest, socket: Socket, head: Buffer): void {
    const forward = this.#forward;
    if (forward === undefined) {
      socket.on('error', () => socket.destroy());
      socket.end(rawProxyError({ status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', flags: [], detail: 'CONNECT needs forward_proxy.enabled' }));
      return;
    }
    void forward.connect(req, socket, head);
  }

  /** An upgrade (WebSocket): on a named route to one of its endpoints, or through the forward proxy. */
  #upgrade(req: AppRequest, socket: Socket, head: Buffer): undefined {
    socket.on('error', () => socket.destroy());
    const requestId = acceptableRequestId(req.header(this.#idHeader)) ?? newRequestId();
    const refuse = (error: ProxyError, extra = ''): undefined => {
      socket.end(rawProxyError(error, requestId, extra));
    };
    let url = req.url;
    let host = req.host;
    let route: Route | undefined;
    if (url.charCodeAt(0) !== 47) {
      const parsed = this.#parseAbsolute(req);
      if (!('url' in parsed)) return refuse(parsed, parsed.status === 407 ? ForwardProxy.authenticate : '');
      const { forward, url: target } = parsed;
      url = `${target.pathname}${target.search}`;
      host = target.host;
      route = this.#table.hostMatcher.match(host, url);
      if (route === undefined) {
        void forward.upgrade(req, socket, head, target, requestId);
        return;
      }
    } else {
      route = this.#table.matcher.match(host, url);
    }
    if (route === undefined) return refuse({ status: 404, code: 'OUTRIGGER_E_NO_ROUTE', flags: [Flags.NoRoute] });
    let credential: { name: string; value: string } | undefined;
    if (route.credentials !== undefined) {
      const value = route.credentials.value;
      if (value === undefined) return refuse({ status: 503, code: 'OUTRIGGER_E_CREDENTIALS', flags: [Flags.Credentials] });
      credential = { name: route.credentials.name, value };
    }
    const endpoint = route.cluster.pick(undefined, Date.now());
    if (endpoint === undefined) {
      return refuse({ status: 503, code: 'OUTRIGGER_E_NO_HEALTHY_UPSTREAM', flags: [Flags.NoHealthyUpstream] });
    }
    const chosen = route;
    endpoint.connectRaw((err, upstream) => {
      if (err !== null || upstream === null) {
        route.cluster.record(endpoint, 'connect_failure', Date.now());
        refuse({
          status: 502,
          code: 'OUTRIGGER_E_UPSTREAM_CONNECT',
          flags: [Flags.ConnectFailure],
          detail: `connecting to the upstream failed: ${err?.message ?? 'no socket'}`,
        });
        return;
      }
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      const sentHost = chosen.config.host_rewrite ?? endpoint.host;
      upstream.write(upgradeHead(req, chosen.upstreamPath(url), sentHost, credential, this.#dropUnderscores));
      if (head.length > 0) upstream.write(head);
      openTunnel(
        socket,
        upstream,
        chosen.config.upgrade_idle_timeout_ms,
        { kind: 'upgrade', target: endpoint.url.host, route: chosen.name },
        { logger: this.#logger, metrics: this.#metrics, tunnels: this.#tunnels },
      );
    });
  }

  #reject(
    req: AppRequest,
    res: AppResponse,
    route: Route | undefined,
    requestId: string,
    error: ProxyError,
    close = false,
    extraHeaders?: Record<string, readonly string[]>,
  ): void {
    const started = performance.now();
    // A body the app is still sending would have to be read to keep the connection: close instead.
    sendProxyError(res, error, requestId, this.#idHeader, close || req.bodyUnread, extraHeaders);
    if (route !== undefined) {
      route.metrics.count(error.status);
      route.metrics.duration.observe(0);
    } else {
      // Refused before any route matched (no route, bad framing): counted with empty labels.
      this.#metrics.countUnrouted(error.status);
    }
    this.#inFlight--;
    if (this.#accessLog) {
      this.#logger.info(
        {
          request_id: requestId,
          method: req.method,
          path: pathOnly(req.url),
          route: route?.name,
          status: error.status,
          flags: error.flags.join(','),
          tries: 0,
          duration_ms: round(performance.now() - started),
        },
        'access',
      );
    }
  }

  #complete(route: Route, result: ForwardResult): void {
    this.#inFlight--;
    const seconds = result.durationMs / 1000;
    if (result.status > 0) route.metrics.count(result.status);
    route.metrics.duration.observe(seconds);
    if (this.#accessLog) {
      this.#logger.info(
        {
          request_id: result.requestId,
          method: result.method,
          path: result.path,
          route: route.name,
          cluster: route.cluster.name,
          upstream: result.endpoint,
          status: result.status,
          flags: result.flags.join(','),
          tries: result.tries,
          duration_ms: round(result.durationMs),
        },
        'access',
      );
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
