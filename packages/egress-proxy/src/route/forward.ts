/**
 * One request's way through a route: tries on endpoints picked by the cluster, streamed both
 * ways on the endpoint pool's handler interface (no intermediate streams on the response path),
 * per-try and route timeouts, retries under the route's policy and budget, outlier feedback.
 */
import type { Endpoint } from '../endpoint/endpoint.js';
import { type UpstreamController, type UpstreamHandler, UpstreamRequestError } from '../endpoint/upstream-pool.js';
import { firstValue, setValue } from '../http/fields.js';
import { pathOnly } from '../http/request-target.js';
import type { AppRequest } from '../listener/app-request.js';
import type { AppResponse } from '../listener/app-response.js';
import { downstreamResponseHeaders } from '../listener/hygiene.js';
import { type Flag, Flags, type ProxyError, sendProxyError } from '../proxy-error.js';
import type { RequestBody } from './request-body.js';
import type { TryFailure } from './retry-policy.js';
import type { Route } from './route.js';

/** What the listener learns when a request is done (access log, metrics, drain accounting). */
export interface ForwardResult {
  route: Route;
  requestId: string;
  method: string | undefined;
  /** The app's path without its query (queries may carry secrets). */
  path: string | undefined;
  status: number;
  flags: readonly Flag[];
  tries: number;
  endpoint: string | undefined;
  durationMs: number;
}

export interface ForwardEnv {
  requestIdHeader: string;
  /** A request answered 408 because the app stopped sending its body. */
  clientTimeout(): void;
  done(forward: Forward, result: ForwardResult): void;
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}
class AbandonedError extends Error {
  override name = 'AbandonedError';
}

/** One try: the pool's handler that streams the upstream's response into the app's response. */
class Try implements UpstreamHandler {
  controller: UpstreamController | undefined;
  started = false;
  responseStarted = false;
  discard = false;
  detached = false;
  timedOut = false;
  reused = false;
  released = false;
  /** This try is a retry counted by the route's retry budget until it ends. */
  budgeted = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly forward: Forward,
    readonly endpoint: Endpoint,
  ) {}

  onRequestStart(controller: UpstreamController): void {
    this.controller = controller;
    this.leavePending();
    if (this.detached) {
      controller.abort(new AbandonedError('try abandoned'));
      return;
    }
    this.started = true;
    this.reused = controller.reused;
  }

  /**
   * Whether any byte of this request may have reached the connection: the pool counts a request
   * as written from its first write on the socket, so false means provably never sent.
   */
  get wrote(): boolean {
    return this.started && this.controller?.written !== false;
  }

  /**
   * The request left the pool's queue (it got a connection, failed, or was abandoned: an
   * aborted request leaves the queue at once). Until then it counts against `max_pending`.
   */
  leavePending(): void {
    if (this.released) return;
    this.released = true;
    this.forward.route.cluster.breaker.pending--;
  }

  onResponseStart(controller: UpstreamController, statusCode: number, headers: readonly string[]): void {
    if (this.detached || statusCode < 200) return;
    this.responseStarted = true;
    this.forward.response(this, controller, statusCode, headers);
  }

  onResponseData(controller: UpstreamController, chunk: Buffer): void {
    if (this.detached || this.discard) return;
    this.forward.data(controller, chunk);
  }

  onResponseEnd(): void {
    if (this.detached) return;
    this.forward.end(this);
  }

  onResponseError(_controller: UpstreamController, err: Error): void {
    this.leavePending();
    if (this.detached) return;
    this.forward.error(this, err);
  }

  /** Stops listening to this try and aborts it (now, or as soon as it reaches a connection). */
  detach(reason: Error): void {
    this.detached = true;
    clearTimeout(this.timer);
    this.controller?.abort(reason);
  }
}

export class Forward {
  readonly #startedAt = performance.now();
  readonly #deadline: number;
  #tries = 0;
  /** Endpoints of earlier tries (only allocated once there is a retry). */
  #tried: Set<Endpoint> | undefined;
  #last: Endpoint | undefined;
  #flags: Flag[] = [];
  #current: Try | undefined;
  #routeTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #responded = false;
  #finished = false;
  /** A retry is reserved in the budget but its try has not started yet. */
  #reserved = false;
  #reusedResetRetried = false;
  /** Backoff before the reserved retry. */
  #pendingDelay = 0;
  #status = 0;
  #onDrain: (() => void) | undefined;

  constructor(
    private readonly env: ForwardEnv,
    readonly route: Route,
    private readonly req: AppRequest,
    private readonly res: AppResponse,
    private readonly requestId: string,
    /** Flat upstream headers; index 1 is the Host value, set per try. */
    private readonly headers: string[],
    private readonly path: string,
    private readonly body: RequestBody | undefined,
  ) {
    this.#deadline = Date.now() + route.config.timeout_ms;
  }

  /** Starts the first try; the cluster's circuit breaker has already admitted the request. */
  start(): void {
    this.route.budget.active++;
    this.res.onClose(() => {
      if (this.#finished) return;
      if (this.res.refused !== undefined) this.#refusedByListener(this.res.refused);
      else this.#downstreamClosed();
    });
    this.#routeTimer = setTimeout(() => this.#routeTimeout(), this.route.config.timeout_ms);
    this.#nextTry();
  }

  #nextTry(): void {
    this.#retryTimer = undefined;
    if (this.#finished) return;
    const cluster = this.route.cluster;
    const endpoint = cluster.pick(this.#tried ?? (this.#last === undefined ? undefined : new Set([this.#last])), Date.now());
    if (endpoint === undefined) {
      this.#fail({ status: 503, code: 'OUTRIGGER_E_NO_HEALTHY_UPSTREAM', flags: [Flags.NoHealthyUpstream], retryAfter: 1 });
      return;
    }
    this.#tries++;
    if (this.#tries > 1) cluster.breaker.pending++;
    if (this.#last !== undefined) {
      if (this.#tried === undefined) this.#tried = new Set([this.#last]);
      this.#tried.add(endpoint);
    }
    this.#last = endpoint;
    this.headers[1] = this.route.config.host_rewrite ?? endpoint.host;
    const t = new Try(this, endpoint);
    t.budgeted = this.#reserved;
    this.#reserved = false;
    this.#current = t;
    endpoint.active++;
    const perTry = this.route.policy.perTryTimeoutMs;
    if (perTry !== undefined) {
      const remaining = this.#deadline - Date.now();
      if (perTry < remaining) t.timer = setTimeout(() => this.#tryTimeout(t), perTry);
    }
    t.controller = endpoint.pool.dispatch(
      {
        path: this.path,
        method: this.req.method,
        headers: this.headers,
        body: this.body === undefined ? null : this.body.source(),
        // After the response headers, the route timeout bounds each wait for more body bytes.
        bodyTimeoutMs: this.route.config.timeout_ms,
        retains: this.#retains,
      },
      t,
    );
  }

  /**
   * Asked by the pool after each read: whether the app's socket may still hold views of its read
   * buffer (bytes queued, not yet taken by the kernel); then the pool reads into a fresh buffer.
   * The response writes each read's bytes in one write (a small first body copied behind the
   * head, so not a view at all), so usually nothing is left.
   */
  readonly #retains = (): boolean => this.res.writableLength > 0;

  #endTry(t: Try): void {
    clearTimeout(t.timer);
    t.endpoint.active--;
    if (t.budgeted) {
      t.budgeted = false;
      this.route.budget.retrying--;
    }
    if (this.#current === t) this.#current = undefined;
  }

  response(t: Try, controller: UpstreamController, status: number, headers: readonly string[]): void {
    clearTimeout(t.timer);
    const route = this.route;
    route.cluster.record(t.endpoint, status >= 500 ? '5xx' : 'success', Date.now());
    if (route.policy.retriesStatus(status)) {
      const failure: TryFailure = { kind: 'status', status, retryAfter: firstValue(headers, 'retry-after') };
      if (this.#retry(failure)) {
        // Read and drop this response so its connection stays usable; the retry starts at its end.
        t.discard = true;
        return;
      }
    }
    clearTimeout(this.#routeTimer);
    this.#responded = true;
    this.#status = status;
    if (status >= 500) this.#flags.push(Flags.UpstreamError);
    const out = downstreamResponseHeaders(headers, route.responseRewriter, route.config.via);
    if (this.#flags.length > 0) setValue(out, 'x-outrigger-flags', this.#flags.join(','));
    const res = this.res;
    try {
      res.writeHead(status, out);
    } catch (err) {
      // Headers the response writer refuses (bytes that would split a line): a bad upstream response.
      this.#responded = false;
      t.detach(err as Error);
      this.#endTry(t);
      this.#fail({ status: 502, code: 'OUTRIGGER_E_UPSTREAM_RESET', flags: [Flags.Reset], detail: 'invalid upstream response headers' });
      return;
    }
    this.#onDrain = () => controller.resume();
  }

  data(controller: UpstreamController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.onceDrain(this.#onDrain as () => void);
    }
  }

  end(t: Try): void {
    this.#endTry(t);
    if (t.discard) {
      this.#scheduleRetry();
      return;
    }
    this.res.end();
    this.#finish();
  }

  error(t: Try, err: Error): void {
    const connected = t.started;
    const streaming = t.responseStarted && !t.discard;
    this.#endTry(t);
    if (this.#finished) return;
    if (t.discard) {
      // A response held back for a retry broke off: the retry is already reserved.
      this.#scheduleRetry();
      return;
    }
    if (err instanceof UpstreamRequestError && err.code === 'OUTRIGGER_UPSTREAM_INVALID_REQUEST') {
      // The pool refused the request itself (e.g. a header it will not send): no upstream is at fault.
      this.#fail({ status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', flags: [], detail: err.message });
      return;
    }
    if (streaming && this.res.withdrawHead()) {
      // The response broke before any of it reached the app: it still gets an honest 502.
      this.#fail({ status: 502, code: 'OUTRIGGER_E_UPSTREAM_RESET', flags: [Flags.Reset] });
      return;
    }
    if (streaming) {
      // The app already has part of the response: the only honest signal left is a reset.
      this.#flags.push(Flags.Reset);
      this.res.destroy();
      this.#finish();
      return;
    }
    const failure: TryFailure = t.timedOut
      ? { kind: 'timeout' }
      : !connected
        ? { kind: 'connect_failure' }
        : { kind: 'reset', reusedConnection: t.reused && !t.responseStarted, written: t.wrote };
    if (failure.kind !== 'timeout') this.route.cluster.record(t.endpoint, 'connect_failure', Date.now());
    if (this.#retry(failure)) {
      this.#scheduleRetry();
      return;
    }
    switch (failure.kind) {
      case 'timeout':
        this.#fail({ status: 504, code: 'OUTRIGGER_E_UPSTREAM_TIMEOUT', flags: [Flags.Timeout] });
        return;
      case 'connect_failure':
        this.#fail({
          status: 502,
          code: 'OUTRIGGER_E_UPSTREAM_CONNECT',
          flags: [Flags.ConnectFailure],
          detail: `connecting to the upstream failed: ${describe(err)}`,
        });
        return;
      default:
        this.#fail({ status: 502, code: 'OUTRIGGER_E_UPSTREAM_RESET', flags: [Flags.Reset] });
    }
  }

  /** Decides on a retry after `failure`; true when one is reserved (then call #scheduleRetry). */
  #retry(failure: TryFailure): boolean {
    const route = this.route;
    const decision = route.policy.decide(failure, {
      method: this.req.method,
      idempotencyKey: this.req.header('idempotency-key') !== undefined,
      tries: this.#tries,
      bodyReplayable: this.body === undefined || this.body.replayable,
      reusedResetRetried: this.#reusedResetRetried,
      remainingMs: this.#deadline - Date.now(),
      budgetAllows: route.budget.allows(),
    });
    if (!decision.retry) {
      if (decision.reason === 'method' && failure.kind !== 'status') this.#flags.push(Flags.NotIdempotent);
      else if (decision.reason !== 'not_retriable' && decision.reason !== 'method') this.#flags.push(Flags.RetryLimit);
      return false;
    }
    if (decision.reusedReset) this.#reusedResetRetried = true;
    if (decision.budgeted) {
      this.#reserved = true;
      route.budget.retrying++;
    }
    route.metrics.retries.inc();
    this.#pendingDelay = decision.delayMs;
    return true;
  }

  #scheduleRetry(): void {
    if (this.#finished) return;
    this.#retryTimer = setTimeout(() => this.#nextTry(), this.#pendingDelay);
  }

  #tryTimeout(t: Try): void {
    if (t.detached || this.#current !== t) return;
    if (this.body?.waitingOnClient === true) {
      this.#clientTimeout(t);
      return;
    }
    t.timedOut = true;
    t.detach(new TimeoutError('per-try timeout'));
    this.error(t, new TimeoutError('per-try timeout'));
  }

  #routeTimeout(): void {
    if (this.#finished || this.#responded) return;
    const t = this.#current;
    if (this.body?.waitingOnClient === true) {
      this.#clientTimeout(t);
      return;
    }
    if (t !== undefined) {
      t.detach(new TimeoutError('route timeout'));
      this.#endTry(t);
    }
    this.#fail({ status: 504, code: 'OUTRIGGER_E_UPSTREAM_TIMEOUT', flags: [Flags.Timeout] });
  }

  /** The app stopped sending its body: its fault, not the upstream's (408, never retried). */
  #clientTimeout(t: Try | undefined): void {
    if (t !== undefined) {
      t.detach(new AbandonedError('the client stopped sending its body'));
      this.#endTry(t);
    }
    this.env.clientTimeout();
    this.#fail(
      {
        status: 408,
        code: 'OUTRIGGER_E_CLIENT_TIMEOUT',
        flags: [Flags.DownstreamTimeout],
        detail: `the request body stopped arriving (${this.body?.bytes ?? 0} bytes received)`,
      },
      true,
    );
  }

  /** The request body grew over the limit while streaming. */
  bodyTooLarge(limit: number): void {
    if (this.#finished) return;
    const t = this.#current;
    if (t !== undefined) {
      t.detach(new AbandonedError('request body too large'));
      this.#endTry(t);
    }
    this.#fail(
      { status: 413, code: 'OUTRIGGER_E_BODY_TOO_LARGE', flags: [Flags.BodyTooLarge], detail: `request body exceeds ${limit} bytes` },
      true,
    );
  }

  /** The listener answered the request itself (its body broke the framing): that is its status. */
  #refusedByListener(status: number): void {
    const t = this.#current;
    if (t !== undefined) {
      t.detach(new AbandonedError('the request body was refused by the listener'));
      this.#endTry(t);
    }
    this.#status = status;
    this.#finish();
  }

  #downstreamClosed(): void {
    const t = this.#current;
    if (t !== undefined) {
      t.detach(new AbandonedError('client closed the connection'));
      this.#endTry(t);
    }
    this.#flags.push(Flags.DownstreamClosed);
    this.#finish();
  }

  #fail(error: ProxyError, close = false): void {
    if (this.#finished) return;
    if (this.res.refused !== undefined) {
      // The body failed because the listener refused it: the listener's answer is the outcome.
      this.#refusedByListener(this.res.refused);
      return;
    }
    clearTimeout(this.#routeTimer);
    const flags = [...this.#flags.filter((f) => f !== Flags.UpstreamError), ...error.flags];
    this.#flags = flags;
    this.#status = this.res.headersSent ? this.#status : error.status;
    // An unread request body cannot be skipped safely on a reused connection: close it then.
    const unread = this.body !== undefined && this.req.bodyUnread;
    sendProxyError(this.res, { ...error, flags }, this.requestId, this.env.requestIdHeader, close || unread);
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#routeTimer);
    clearTimeout(this.#retryTimer);
    if (this.#reserved) {
      this.#reserved = false;
      this.route.budget.retrying--;
    }
    this.route.budget.active--;
    this.route.cluster.breaker.requests--;
    this.body?.release();
    if (this.#tries === 0) this.route.cluster.breaker.pending--;
    this.env.done(this, {
      route: this.route,
      requestId: this.requestId,
      method: this.req.method,
      path: pathOnly(this.req.url),
      status: this.#status,
      flags: this.#flags,
      tries: this.#tries,
      endpoint: this.#last?.url.host,
      durationMs: performance.now() - this.#startedAt,
    });
  }
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? err.message : `${code}: ${err.message}`;
}
