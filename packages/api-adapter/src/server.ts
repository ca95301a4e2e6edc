/**
 * The data listener and its lifecycle: listen, count in-flight exchanges, drain on SIGTERM
 * (stop accepting, let in-flight exchanges finish, close idle keep-alive connections), stop.
 *
 * It faces callers on the pod's port, so it bounds what a slow or broken client can hold: a
 * headers timeout, a whole-request timeout, a pause limit inside request bodies, keep-alive
 * timeout, a cap on connections and on header bytes. What cannot be parsed is answered in the
 * `adapter_errors` shape (400, 408, 431), logged and counted, and the connection closed.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { OutriggerError, parseHostPort } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { AdapterConfig } from './config.js';
import { AdapterError } from './errors.js';
import { toRawHeaders } from './headers.js';
import type { Headers } from './operation/types.js';

export interface ListenerOptions {
  listen: string;
  limits: AdapterConfig['server'];
  logger: Logger;
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The response for an error the listener answers itself (the `adapter_errors` shape). */
  errorResponse(err: AdapterError): { status: number; headers: Headers; body: Buffer };
  /** Counts an error answered here, by code. */
  counted(code: string): void;
  /** Counts a connection refused because `max_connections` were open. */
  dropped(): void;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A parser error as the caller's answer; undefined when there is no one to answer. */
function clientErrorOf(err: NodeJS.ErrnoException): AdapterError | undefined {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AdapterError('OUTRIGGER_E_ADAPTER_HEADERS_TOO_LARGE', 'the request headers are too large', 431);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AdapterError('OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT', 'the request did not arrive in time', 408);
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    default:
      return new AdapterError('OUTRIGGER_E_ADAPTER_BAD_REQUEST', `the request is not valid HTTP/1.1 (${err.code ?? err.message})`, 400);
  }
}

export class Listener {
  private readonly server: http.Server;
  private readonly opts: ListenerOptions;
  private inflight = 0;
  private upgraded = new Set<Duplex>();
  /** The response being written on each connection (one at a time: HTTP/1.1 answers in order). */
  private readonly current = new WeakMap<Socket, http.ServerResponse>();
  private drainingNow = false;
  private idle: (() => void) | undefined;
  address = '';

  constructor(opts: ListenerOptions) {
    this.opts = opts;
    const l = opts.limits;
    this.server = http.createServer(
      {
        headersTimeout: l.headers_timeout_ms,
        requestTimeout: l.request_timeout_ms,
        keepAliveTimeout: l.keep_alive_timeout_ms,
        maxHeaderSize: l.max_header_bytes,
        connectionsCheckingInterval: Math.min(1_000, l.headers_timeout_ms),
        insecureHTTPParser: false,
      },
      (req, res) => this.request(req, res),
    );
    this.server.maxConnections = l.max_connections;
    this.server.on('drop', () => opts.dropped());
    this.server.on('upgrade', opts.upgrade);
    this.server.on('clientError', (err, socket) => this.clientError(err as NodeJS.ErrnoException, socket as Socket));
  }

  private request(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.inflight++;
    const socket = req.socket;
    this.current.set(socket, res);
    res.once('close', () => {
      this.inflight--;
      if (this.current.get(socket) === res) this.current.delete(socket);
      if (this.drainingNow) this.server.closeIdleConnections();
      if (this.inflight === 0) this.idle?.();
    });
    if (this.drainingNow) res.shouldKeepAlive = false;
    if (!req.complete) this.watchBody(req, res);
    this.opts.handler(req, res);
  }

  /** A pause longer than `body_idle_timeout_ms` inside a request body ends the exchange (408). */
  private watchBody(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    // Once the response is out, Node's keep-alive timer owns the socket's timeout: leave it be.
    const done = () => {
      if (!res.writableFinished) socket.setTimeout(0);
    };
    socket.setTimeout(this.opts.limits.body_idle_timeout_ms);
    req.once('end', done);
    req.once('close', done);
    req.once('timeout', () => {
      done();
      this.cutOff(res, new AdapterError('OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT', 'the request body stalled', 408), 'request body stalled');
    });
  }

  /** Ends an exchange whose request will not complete: answers `err` if nothing was sent yet, then closes. */
  private cutOff(res: http.ServerResponse, err: AdapterError, msg: string): void {
    const socket = res.socket;
    if (socket) this.log(err, socket, msg);
    if (res.headersSent) {
      socket?.destroy();
      return;
    }
    const out = this.opts.errorResponse(err);
    out.headers.connection = 'close';
    res.shouldKeepAlive = false;
    res.writeHead(out.status, toRawHeaders(out.headers));
    // Destroying the socket also ends the handler's wait for body bytes that will never come.
    res.end(out.body, () => socket?.destroy());
  }

  private log(err: AdapterError, socket: Socket, msg: string, reason?: string): void {
    this.opts.counted(err.code);
    this.opts.logger.info({ code: err.code, status: err.status, reason, remote: socket.remoteAddress }, msg);
  }

  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const answer = clientErrorOf(err);
    const res = this.current.get(socket);
    if (res && !res.writableEnded && answer?.status === 408) {
      this.cutOff(res, answer, 'request did not complete in time');
      return;
    }
    if (res && !res.writableFinished) {
      // Bytes after a request that did not parse (RFC 9112 §9.6): the request received is
      // answered, then the connection closes; nothing is written between the two.
      this.opts.logger.info(
        { reason: err.code, remote: socket.remoteAddress },
        'closing after the current response: bytes after it did not parse',
      );
      if (!res.headersSent) res.shouldKeepAlive = false;
      res.once('finish', () => socket.destroySoon());
      return;
    }
    if (!answer || !socket.writable) {
      socket.destroy();
      return;
    }
    this.log(answer, socket, 'client error', err.code ?? err.message);
    const out = this.opts.errorResponse(answer);
    out.headers.connection = 'close';
    const lines = [`HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? 'Error'}`];
    const raw = toRawHeaders(out.headers);
    for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), out.body]));
    socket.destroySoon();
  }

  /** Tracks an upgraded connection so that stop() can close it. */
  track = (socket: Duplex): void => {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  };

  get draining(): boolean {
    return this.drainingNow;
  }

  inFlight(): number {
    return this.inflight;
  }

  async start(): Promise<void> {
    const { host, port } = parseHostPort(this.opts.listen);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new OutriggerError('OUTRIGGER_E_ADAPTER_LISTEN', `cannot listen on ${this.opts.listen}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr && typeof addr === 'object') {
      this.address = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
    }
    this.opts.logger.info({ listener: 'data', address: this.address }, 'listening');
  }

  /** Stops accepting and waits for in-flight exchanges, or until `deadline` aborts. */
  async drain(deadline: AbortSignal): Promise<void> {
    this.drainingNow = true;
    this.server.close();
    this.server.closeIdleConnections();
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        deadline.removeEventListener('abort', done);
        this.idle = undefined;
        resolve();
      };
      this.idle = done;
      deadline.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.drainingNow = true;
    this.server.closeAllConnections();
    for (const s of this.upgraded) s.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }
}
