/**
 * Forward-proxy mode (`HTTP_PROXY` / `HTTPS_PROXY`): absolute-form requests to hosts no route
 * names, CONNECT tunnels and upgrades, each behind the egress policy. Built from one config; a
 * reload builds a new one (policy, resolver and auth reload with the config).
 */
import { type ClientRequest, Agent as HttpAgent, request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { isHopByHop, rawConnectionTokens } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { AppRequest } from '../listener/app-request.js';
import type { AppResponse } from '../listener/app-response.js';
import type { ProxyMetrics } from '../metrics.js';
import { Flags, type ProxyError, rawProxyError, sendProxyError } from '../proxy-error.js';
import type { ForwardProxyConfig } from '../schema.js';
import { EgressPolicy } from './policy.js';
import { ProxyAuth } from './proxy-auth.js';
import { TargetResolver } from './resolver.js';
import { openTunnel, type Tunnels } from './tunnel.js';

export type Target = { ok: true; address: string } | { ok: false; error: ProxyError };

export type ForwardKind = 'http' | 'connect' | 'upgrade';
type TunnelKind = Exclude<ForwardKind, 'http'>;

const VIA = '1.1 outrigger';

export class ForwardProxy {
  readonly policy: EgressPolicy;
  readonly #resolver: TargetResolver;
  readonly #auth: ProxyAuth | undefined;
  readonly #agent: HttpAgent;

  constructor(
    readonly config: ForwardProxyConfig,
    private readonly logger: Logger,
    private readonly metrics: ProxyMetrics,
    resolvePath: (path: string) => string,
    private readonly dropUnderscores: boolean,
    private readonly tunnels: Tunnels,
  ) {
    this.policy = new EgressPolicy(config);
    this.#resolver = new TargetResolver({ ...config.resolver, timeout_ms: config.connect_timeout_ms });
    this.#auth = config.auth === undefined ? undefined : new ProxyAuth(resolvePath(config.auth.token_file), logger);
    this.#agent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 1000, timeout: config.idle_timeout_ms, maxFreeSockets: 64 });
  }

  start(): Promise<void> {
    return this.#auth?.start() ?? Promise.resolve();
  }

  notReadyReason(): string | undefined {
    const error = this.#auth?.error;
    return error === undefined ? undefined : `forward_proxy.auth: ${error}`;
  }

  async close(): Promise<void> {
    this.#agent.destroy();
    await this.#auth?.close();
  }

  /** A 407 when proxy authentication is on and the request lacks the token; else undefined. */
  authProblem(req: AppRequest): ProxyError | undefined {
    if (this.#auth === undefined) return undefined;
    if (this.#auth.accepts(req.header('proxy-authorization'))) return undefined;
    return { status: 407, code: 'OUTRIGGER_E_PROXY_AUTH', flags: [Flags.ProxyAuth] };
  }

  static readonly authenticate = 'proxy-authenticate: Basic realm="outrigger", Bearer\r\n';

  /**
   * The policy's decision for `host:port` and, when allowed, the resolved address the connection
   * must go to (the one that was checked). Denials are logged and counted here.
   */
  async target(host: string, port: number, kind: ForwardKind, requestId: string | undefined): Promise<Target> {
    let decision = this.policy.decideName(host, port);
    let addresses: string[] = [];
    if (decision === undefined) {
      try {
        addresses = await this.#resolver.resolve(host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        this.metrics.forwardRequests.labels(kind, 'error').inc();
        this.logger.warn({ code: 'OUTRIGGER_E_DNS', host, port, kind, reason: code }, 'forward proxy: target did not resolve');
        return {
          ok: false,
          error: { status: 502, code: 'OUTRIGGER_E_DNS', flags: [Flags.DnsFailure], detail: `${host} did not resolve: ${code}` },
        };
      }
      decision = this.policy.decide(host, port, addresses);
    }
    if (!decision.allowed) {
      this.metrics.forwardRequests.labels(kind, 'denied').inc();
      this.logger.warn(
        { code: 'OUTRIGGER_E_EGRESS_DENIED', host, port, kind, reason: decision.reason, request_id: requestId },
        'egress denied',
      );
      return {
        ok: false,
        error: { status: 403, code: 'OUTRIGGER_E_EGRESS_DENIED', flags: [Flags.EgressDenied], detail: decision.reason },
      };
    }
    this.metrics.forwardRequests.labels(kind, 'allowed').inc();
    return { ok: true, address: addresses[0] as string };
  }

  /** CONNECT host:port: a tunnel to the checked address, or a JSON error on the socket. */
  async connect(req: AppRequest, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const started = performance.now();
    const authority = parseAuthority(req.url);
    const refuse = (error: ProxyError, extra = '') => {
      socket.end(rawProxyError(error, undefined, extra));
      this.#log('connect', req.url, error.status, error.flags.join(','), started);
    };
    if (authority === undefined) {
      refuse({ status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', flags: [], detail: 'CONNECT needs host:port' });
      return;
    }
    const auth = this.authProblem(req);
    if (auth !== undefined) {
      refuse(auth, ForwardProxy.authenticate);
      return;
    }
    if (!this.config.connect_ports.includes(authority.port)) {
      this.metrics.forwardRequests.labels('connect', 'denied').inc();
      const reason = `port ${authority.port} is not in forward_proxy.connect_ports`;
      this.logger.warn(
        { code: 'OUTRIGGER_E_EGRESS_DENIED', host: authority.host, port: authority.port, kind: 'connect', reason },
        'egress denied',
      );
      refuse({ status: 403, code: 'OUTRIGGER_E_EGRESS_DENIED', flags: [Flags.EgressDenied], detail: reason });
      return;
    }
    const target = await this.target(authority.host, authority.port, 'connect', undefined);
    if (socket.destroyed) return;
    if (!target.ok) {
      refuse(target.error);
      return;
    }
    const upstream = this.#dial(target.address, authority.port, (err) => {
      if (err !== undefined) {
        refuse(err);
        return;
      }
      socket.write('HTTP/1.1 200 Connection Established\r\nvia: 1.1 outrigger\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      this.#tunnel(socket, upstream, 'connect', req.url);
    });
    socket.once('close', () => {
      if (upstream.connecting) upstream.destroy();
    });
  }

  /** An absolute-form request to a host no route names: forwarded to the checked address. */
  async http(req: AppRequest, res: AppResponse, url: URL, requestId: string, idHeader: string, expectContinue: boolean): Promise<void> {
    const started = performance.now();
    const port = Number(url.port || 80);
    const fail = (error: ProxyError) => {
      sendProxyError(res, error, requestId, idHeader, req.bodyUnread);
      this.#log('http', `${req.method} ${url.host}`, error.status, error.flags.join(','), started, requestId);
    };
    const target = await this.target(url.hostname, port, 'http', requestId);
    if (!target.ok) {
      fail(target.error);
      return;
    }
    if (res.destroyed) return;
    if (expectContinue) res.writeContinue();
    const headers = forwardHeaders(req.rawHeaders, url.host, this.dropUnderscores);
    headers.push(idHeader, requestId);
    const upstream: ClientRequest = request({
      host: target.address,
      port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: this.#agent,
      setHost: false,
    });
    let responded = false;
    /** The app was answered by the proxy itself: later upstream errors change nothing. */
    let answered = false;
    const timer = setTimeout(() => {
      if (!responded) {
        answered = true;
        fail({ status: 504, code: 'OUTRIGGER_E_UPSTREAM_TIMEOUT', flags: [Flags.Timeout] });
      }
      upstream.destroy();
    }, this.config.timeout_ms);
    // The connect timeout bounds a new connection's connect only (a pooled one is connected);
    // the wait for the answer is timeout_ms above.
    upstream.on('socket', (s) => {
      if (!s.connecting) return;
      const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), this.config.connect_timeout_ms);
      s.once('connect', () => clearTimeout(connectTimer));
      s.once('close', () => clearTimeout(connectTimer));
    });
    upstream.on('error', (err) => {
      clearTimeout(timer);
      if (answered) return;
      if (responded) {
        res.destroy();
        return;
      }
      answered = true;
      fail({
        status: 502,
        code: 'OUTRIGGER_E_UPSTREAM_CONNECT',
        flags: [Flags.ConnectFailure],
        detail: `${url.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
      });
    });
    upstream.on('response', (up) => {
      clearTimeout(timer);
      responded = true;
      // A body that stops arriving for idle_timeout_ms is cut (the app sees a reset).
      const socket = up.socket;
      const idle = () => up.destroy(new Error('idle'));
      socket.setTimeout(this.config.idle_timeout_ms, idle);
      up.once('close', () => {
        socket.off('timeout', idle);
        socket.setTimeout(0);
      });
      try {
        res.writeHead(up.statusCode ?? 502, responseHeaders(up.rawHeaders));
      } catch {
        // Headers the response writer refuses (a value that would split a line, a Content-Length
        // that is not one): a bad upstream response, answered 502 — never an exception that
        // takes the process down.
        answered = true;
        up.destroy();
        upstream.destroy();
        fail({ status: 502, code: 'OUTRIGGER_E_UPSTREAM_RESET', flags: [Flags.Reset], detail: `${url.host}: invalid response headers` });
        return;
      }
      up.on('data', (chunk: Buffer) => {
        if (!res.write(chunk)) {
          up.pause();
          res.onceDrain(() => up.resume());
        }
      });
      up.on('error', () => res.destroy());
      up.on('end', () => {
        res.end();
        this.#log('http', `${req.method} ${url.host}`, up.statusCode ?? 0, '', started, requestId);
      });
    });
    res.onClose(() => {
      clearTimeout(timer);
      if (!res.ended) upstream.destroy();
    });
    if (!req.hasBody) {
      upstream.end();
      return;
    }
    // The app's body to the target, with backpressure both ways.
    req.readBody({
      onData: (chunk) => {
        if (!upstream.write(chunk)) {
          req.pause();
          upstream.once('drain', () => req.resume());
        }
      },
      onEnd: () => upstream.end(),
      onError: (err) => upstream.destroy(err),
    });
    req.resume();
  }

  /** An absolute-form upgrade (WebSocket through `HTTP_PROXY`): piped to the checked address. */
  async upgrade(req: AppRequest, socket: Socket, head: Buffer, url: URL, requestId: string): Promise<void> {
    socket.on('error', () => socket.destroy());
    const started = performance.now();
    const port = Number(url.port || 80);
    const target = await this.target(url.hostname, port, 'upgrade', requestId);
    if (socket.destroyed) return;
    if (!target.ok) {
      socket.end(rawProxyError(target.error, requestId));
      this.#log('upgrade', url.host, target.error.status, target.error.flags.join(','), started, requestId);
      return;
    }
    const upstream = this.#dial(target.address, port, (err) => {
      if (err !== undefined) {
        socket.end(rawProxyError(err, requestId));
        return;
      }
      upstream.write(upgradeHead(req, `${url.pathname}${url.search}`, url.host, undefined, this.dropUnderscores));
      if (head.length > 0) upstream.write(head);
      this.#tunnel(socket, upstream, 'upgrade', url.host);
    });
    socket.once('close', () => {
      if (upstream.connecting) upstream.destroy();
    });
  }

  /** A TCP connection with the connect timeout; `ready` gets undefined or the error to answer. */
  #dial(address: string, port: number, ready: (err: ProxyError | undefined) => void): Socket {
    const upstream = netConnect({ host: address, port });
    let settled = false;
    const settle = (err: ProxyError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ready(err);
    };
    const timer = setTimeout(() => {
      upstream.destroy();
      settle({ status: 504, code: 'OUTRIGGER_E_UPSTREAM_TIMEOUT', flags: [Flags.Timeout], detail: 'connect timeout' });
    }, this.config.connect_timeout_ms);
    upstream.once('connect', () => settle(undefined));
    // After the connect, the tunnel owns errors; before, this one answers the app.
    upstream.on('error', (err) =>
      settle({
        status: 502,
        code: 'OUTRIGGER_E_UPSTREAM_CONNECT',
        flags: [Flags.ConnectFailure],
        detail: (err as NodeJS.ErrnoException).code ?? err.message,
      }),
    );
    return upstream;
  }

  #tunnel(app: Socket, upstream: Socket, kind: TunnelKind, target: string | undefined): void {
    openTunnel(
      app,
      upstream,
      this.config.idle_timeout_ms,
      { kind, target },
      { logger: this.logger, metrics: this.metrics, tunnels: this.tunnels },
    );
  }

  #log(kind: ForwardKind, target: string | undefined, status: number, flags: string, started: number, requestId?: string): void {
    this.logger.info(
      { kind, target, status, flags, request_id: requestId, duration_ms: Math.round(performance.now() - started) },
      'forward access',
    );
  }
}

/** `host:port` of a CONNECT request target (IPv6 in brackets). */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(target);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

function forwardHeaders(raw: readonly string[], host: string, dropUnderscores: boolean): string[] {
  const named = rawConnectionTokens(raw);
  const out: string[] = ['host', host];
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (isHopByHop(lower, named) || lower === 'host' || lower === 'expect' || lower === 'x-request-id') continue;
    if (dropUnderscores && lower.includes('_')) continue;
    if (lower === 'via') {
      via = via === undefined ? (raw[i + 1] as string) : `${via}, ${raw[i + 1]}`;
      continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  out.push('via', via === undefined ? VIA : `${via}, ${VIA}`);
  return out;
}

function responseHeaders(raw: readonly string[]): string[] {
  const named = rawConnectionTokens(raw);
  const out: string[] = [];
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (isHopByHop(lower, named)) continue;
    if (lower === 'via') {
      via = via === undefined ? (raw[i + 1] as string) : `${via}, ${raw[i + 1]}`;
      continue;
    }
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  out.push('via', via === undefined ? VIA : `${via}, ${VIA}`);
  return out;
}

/**
 * The request head of an upgrade as sent upstream: origin-form path, the given Host, the app's
 * headers minus proxy-only ones (Connection and Upgrade stay: they are the point).
 */
export function upgradeHead(
  req: AppRequest,
  path: string,
  host: string,
  credential: { name: string; value: string } | undefined,
  dropUnderscores: boolean,
): string {
  let head = `${req.method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (lower === 'host' || lower.startsWith('proxy-') || lower === credential?.name) continue;
    if (dropUnderscores && lower.includes('_')) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (credential !== undefined) head += `${credential.name}: ${credential.value}\r\n`;
  return `${head}\r\n`;
}
