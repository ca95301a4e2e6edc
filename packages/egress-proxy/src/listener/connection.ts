/**
 * One app connection: the request parser fed from the socket, one request at a time (bytes of a
 * pipelined next request wait, read no further than its head), keep-alive by version and
 * Connection, the headers and keep-alive idle timeouts (checked by the listener's one sweep, no
 * timer here), CONNECT and WebSocket upgrades handed off with the socket and the bytes already
 * read, and RFC 9112 §9.6: bytes after a request the connection will not serve are ignored and
 * logged. At most one read and one partial head (max_header_bytes) are held: while they wait,
 * the socket is paused.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Flags, type ProxyError, rawProxyError } from '../proxy-error.js';
import { AppRequest } from './app-request.js';
import { AppResponse, type ResponseOwner } from './app-response.js';
import { RequestError, type RequestHead, type RequestLimits, RequestParser, type RequestSink } from './request-parser.js';

export type RequestHandler = (req: AppRequest, res: AppResponse, expectContinue: boolean) => void;

/** CONNECT and upgraded requests: the socket leaves HTTP behind, with the bytes read after the head. */
export type SocketHandler = (req: AppRequest, socket: Socket, head: Buffer) => void;

/** What the listener counts (metrics live with the proxy). */
export interface ListenerEvents {
  /** A connection over `max_connections` was refused. */
  refused(): void;
  /** A client too slow with its request headers (408). */
  clientTimeout(): void;
  /** A request the listener refused itself (400, 414, 417, 431). */
  rejected?(status: number): void;
}

export interface ConnectionEnv {
  limits: RequestLimits;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** The `keep-alive: timeout=N` line of keep-alive responses (as Node's server sent). */
  keepAliveHint: string;
  logger: Logger;
  events: ListenerEvents;
  request: RequestHandler;
  sockets: { connect: SocketHandler; upgrade: SocketHandler } | undefined;
  /** The connection is no longer the listener's to sweep (closed, or handed off). */
  gone(connection: Connection): void;
}

enum Wait {
  /** A request is in flight: its route owns the timeouts. */
  None,
  /** For a request head (headers_timeout_ms). */
  Head,
  /** Idle between requests (keep_alive_timeout_ms). */
  Idle,
}

export class Connection implements ResponseOwner, RequestSink {
  readonly #parser: RequestParser;
  /** Bytes of the last read not parsed yet (they wait for the request in flight). */
  #buf: Buffer | undefined;
  #at = 0;
  #req: AppRequest | undefined;
  #res: AppResponse | undefined;
  /** A head the parser just finished, started once the parser has returned. */
  #ready: RequestHead | undefined;
  /** The next request's head, read while one is in flight. */
  #queued: RequestHead | undefined;
  #wait = Wait.Head;
  #waitSince: number;
  /** No more requests: the one in flight (if any) is the last. */
  #closing = false;
  /** Whether trailing bytes were seen (they are logged once). */
  #ignoring = false;
  #driving = false;
  /** Handed off (CONNECT, upgrade) or closed: the socket is no longer read here. */
  #off = false;
  readonly keepAliveHint: string;

  constructor(
    readonly socket: Socket,
    private readonly env: ConnectionEnv,
  ) {
    this.#parser = new RequestParser(env.limits);
    this.keepAliveHint = env.keepAliveHint;
    this.#waitSince = performance.now();
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('drain', this.#onDrain);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  // The parser's sink.

  get paused(): boolean {
    return this.#req === undefined || this.#req.paused;
  }

  onHead(head: RequestHead): void {
    if (this.#req === undefined) this.#ready = head;
    else this.#queued = head;
  }

  onData(chunk: Buffer): void {
    this.#req?.pushData(chunk);
  }

  onEnd(): void {
    const req = this.#req;
    if (req !== undefined && !req.complete) req.pushEnd();
  }

  // The socket's side.

  readonly #onData = (chunk: Buffer): void => {
    if (this.#off) return;
    if (this.#wait === Wait.Idle) {
      this.#wait = Wait.Head;
      this.#waitSince = performance.now();
    }
    if (this.#buf === undefined || this.#at >= this.#buf.length) {
      this.#buf = chunk;
      this.#at = 0;
    } else {
      this.#buf = Buffer.concat([this.#buf.subarray(this.#at), chunk]);
      this.#at = 0;
    }
    this.#drive();
  };

  readonly #onEnd = (): void => {
    // The client is gone (as Node's server, a FIN abandons the request in flight: an app that
    // gave up on a request must not keep its upstream slot).
    if (this.#req === undefined) this.#close();
    else this.socket.destroy();
  };

  readonly #onDrain = (): void => {
    this.#res?.drained();
  };

  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    if (this.#off) return;
    this.#off = true;
    this.env.gone(this);
    this.#req?.pushError(new Error('the client closed the connection'));
    this.#res?.closed();
  };

  readonly #resumeBody = (): void => {
    if (!this.#driving) this.#drive();
  };

  /** Parses what has been read as far as the request in flight lets it. */
  #drive(): void {
    this.#driving = true;
    try {
      while (!this.#off && this.#buf !== undefined) {
        const buf = this.#buf;
        const start = this.#at;
        if (start >= buf.length) {
          this.#buf = undefined;
          break;
        }
        if (this.#queued !== undefined) break;
        const req = this.#req;
        if (req === undefined) {
          // The last response went out and the connection is closing: a request that arrives
          // now would run upstream with no way to answer it.
          if (this.#closing) {
            this.#trailing(buf.subarray(start), 'after the last response of a closing connection');
            break;
          }
        } else if (!req.complete) {
          if (req.paused) break;
        } else if (this.#closing || this.#res?.keepAlive === false) {
          this.#trailing(buf.subarray(start), 'after a request that closes the connection');
          break;
        }
        let at: number;
        try {
          at = this.#parser.execute(buf, start, buf.length, this);
        } catch (err) {
          this.#refuse(err as Error, buf.subarray(start));
          return;
        }
        this.#at = at;
        const head = this.#ready;
        if (head !== undefined) {
          this.#ready = undefined;
          this.#start(head);
        } else if (at === start) break;
      }
    } finally {
      this.#driving = false;
    }
    if (this.#off) return;
    // Bytes waiting here: read no more until they are taken.
    if (this.#buf !== undefined && this.#at < this.#buf.length) this.socket.pause();
    else {
      this.#buf = undefined;
      if (!this.#closing) this.socket.resume();
    }
  }

  /** A request's head is whole: hand it to the proxy (or its socket, for CONNECT and upgrades). */
  #start(head: RequestHead): void {
    this.#wait = Wait.None;
    const req = new AppRequest(head, this.socket.remoteAddress, this.#resumeBody);
    if (head.method === 'CONNECT' || head.upgrade) {
      this.#handOff(req, head.method === 'CONNECT');
      return;
    }
    const res = new AppResponse(this, head.method === 'HEAD', head.minor === 1, head.keepAlive && !this.#closing);
    this.#req = req;
    this.#res = res;
    this.env.request(req, res, head.expectContinue);
  }

  #handOff(req: AppRequest, connect: boolean): void {
    const socket = this.socket;
    const rest = this.#buf === undefined ? Buffer.alloc(0) : this.#buf.subarray(this.#at);
    this.#buf = undefined;
    this.#off = true;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('drain', this.#onDrain);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    // Whatever arrives before the tunnel is piped waits in the socket.
    socket.pause();
    this.env.gone(this);
    const sockets = this.env.sockets;
    if (sockets === undefined) {
      socket.on('error', () => socket.destroy());
      socket.end(rawProxyError({ status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', flags: [], detail: 'no CONNECT or upgrade here' }));
      return;
    }
    if (connect) sockets.connect(req, socket, rest);
    else sockets.upgrade(req, socket, rest);
  }

  /** The response has been flushed whole: the next request, or the close. */
  responseDone(res: AppResponse, keepAlive: boolean): void {
    if (res !== this.#res || this.#off) return;
    const req = this.#req as AppRequest;
    this.#req = undefined;
    this.#res = undefined;
    // A body not read to its end cannot be skipped safely: the connection goes with it.
    if (!keepAlive || this.#closing || !req.complete) {
      this.#close();
      return;
    }
    const queued = this.#queued;
    if (queued !== undefined) {
      this.#queued = undefined;
      this.#start(queued);
    } else {
      this.#wait = this.#parser.idle ? Wait.Idle : Wait.Head;
      this.#waitSince = performance.now();
    }
    this.#drive();
  }

  /** The listener's sweep: the headers and keep-alive timeouts. */
  tick(now: number): void {
    if (this.#off || this.#wait === Wait.None) return;
    if (this.#wait === Wait.Idle) {
      if (now - this.#waitSince > this.env.keepAliveTimeoutMs) this.#close();
      return;
    }
    if (now - this.#waitSince <= this.env.headersTimeoutMs) return;
    this.env.events.clientTimeout();
    this.#answer({
      status: 408,
      code: 'OUTRIGGER_E_CLIENT_TIMEOUT',
      flags: [Flags.DownstreamTimeout],
      detail: 'the request headers did not arrive in time',
    });
  }

  /** A request the parser refused. */
  #refuse(err: Error, bytes: Buffer): void {
    if (!(err instanceof RequestError)) {
      this.env.logger.error({ reason: err.message, remote: this.socket.remoteAddress }, 'listener: unexpected parser failure');
      this.socket.destroy();
      return;
    }
    const req = this.#req;
    if (req !== undefined) {
      if (req.complete) {
        // RFC 9112 §9.6: a request was received whole and is being answered; what follows it is
        // not a request this connection will serve. Answer it, then close.
        this.#trailing(bytes, err.message);
        return;
      }
      // The body's framing broke: the request cannot go on. (What the route makes of the body's
      // error is not the answer when the listener gives one: it says so first.)
      const res = this.#res;
      if (res !== undefined && !res.headersSent) res.refused = err.status;
      req.pushError(err);
      if (res?.headersSent === true) {
        this.socket.destroy();
        return;
      }
      res?.closed();
    }
    this.env.events.rejected?.(err.status);
    this.#answer({ status: err.status, code: err.code, flags: [], detail: err.message });
  }

  /** Bytes after the last request this connection serves: logged once, dropped, reading stops. */
  #trailing(bytes: Buffer, reason: string): void {
    const first = !this.#ignoring;
    this.#ignoring = true;
    this.#closing = true;
    this.#buf = undefined;
    this.socket.pause();
    if (!first) return;
    this.env.logger.info(
      {
        reason,
        remote: this.socket.remoteAddress,
        // Their length only: they may be a pipelined request whose query or body carries a secret.
        trailing_bytes: bytes.length,
      },
      'trailing bytes after a request ignored',
    );
    this.#res?.closeAfter();
  }

  /** A proxy-made answer no request owns (refused head, 408), then the close. */
  #answer(error: ProxyError): void {
    this.env.logger.info({ status: error.status, reason: error.detail, remote: this.socket.remoteAddress }, 'client error');
    this.#off = true;
    this.#closing = true;
    this.#buf = undefined;
    this.env.gone(this);
    if (this.socket.writable) this.socket.end(rawProxyError(error));
    this.socket.destroySoon();
  }

  /** Ends the connection once its writes are out. */
  #close(): void {
    this.#closing = true;
    this.socket.destroySoon();
  }
}
