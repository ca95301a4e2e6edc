/**
 * The endpoint's connection pool: keep-alive HTTP/1.1 on raw `net`/`tls` sockets (one request at
 * a time per connection), at most `maxConnections` of them, and a bounded FIFO of requests
 * waiting for one. Each connection reads into its own reused buffer and parses with the strict
 * `ResponseParser`; the response streams to a handler with pause/resume/abort. A connection is
 * reused only after a complete response to a completely written request without
 * `Connection: close`; idle ones are closed before the upstream would (its `Keep-Alive: timeout`
 * minus a margin, else `idleTimeoutMs`).
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { contentLength, isFieldValue, isToken, sameName } from '../http/fields.js';
import { heldCopy } from '../http/held-copy.js';
import { type ResponseHead, ResponseParser, type ResponseSink } from './response-parser.js';

/** What the pool needs from the endpoint to open a connection (TCP or TLS, connect timeout included). */
export type Dialer = (
  /** Node's `onread` for the socket (undefined: an ordinary socket, e.g. for an upgrade). */
  onread: { buffer: () => Uint8Array; callback: (n: number, buf: Uint8Array) => boolean } | undefined,
  callback: (err: Error | null, socket: Socket | null) => void,
) => void;

export interface UpstreamPoolOptions {
  dial: Dialer;
  maxConnections: number;
  /** Requests waiting for a connection beyond this are refused (the circuit breaker bounds them first). */
  maxQueued: number;
  idleTimeoutMs: number;
  /** An upstream's `Keep-Alive: timeout` is honoured minus this margin. */
  keepAliveMarginMs: number;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  /** Flat `[name, value, ...]`; a Content-Length among them is the body's length. */
  headers: readonly string[];
  /** Streamed with backpressure: with Content-Length when the headers carry one, else chunked. */
  body: Readable | null;
  /** After the response head, the longest wait for more body bytes (not counted while paused). */
  bodyTimeoutMs?: number | undefined;
  /**
   * Body chunks are views of the connection's read buffer. After each read the pool asks this
   * whether any view may still be held (queued in a socket): then the connection reads into a
   * fresh buffer. Without it every read gets a fresh buffer.
   */
  retains?: (() => boolean) | undefined;
}

export interface UpstreamController {
  /** The connection served a response before this request. */
  readonly reused: boolean;
  /**
   * Some byte of this request was handed to the connection (false: provably never sent). The
   * head waits for the body's first bytes, so a request whose body never came was never sent.
   */
  readonly written: boolean;
  readonly aborted: boolean;
  /** Stops reading the upstream socket (backpressure); `resume` starts again. */
  pause(): void;
  resume(): void;
  /** Ends the request now; its connection is destroyed, never reused. */
  abort(reason: Error): void;
}

/**
 * The callbacks of one request, in order: `onRequestStart` (it has a connection, nothing written
 * yet), `onResponseStart` (a final status, never 1xx), `onResponseData`*, then one of
 * `onResponseEnd` / `onResponseError`; each gets the controller. `onRequestStart` (and a failure
 * found at once) may run before `dispatch` returns. After `abort`, only its `onResponseError`.
 */
export interface UpstreamHandler {
  onRequestStart(controller: UpstreamController): void;
  onResponseStart(controller: UpstreamController, status: number, headers: readonly string[]): void;
  onResponseData(controller: UpstreamController, chunk: Buffer): void;
  onResponseEnd(controller: UpstreamController): void;
  onResponseError(controller: UpstreamController, err: Error): void;
}

/** The pool refused a request it cannot send (bad header, queue full, pool closed). */
export class UpstreamRequestError extends Error {
  override name = 'UpstreamRequestError';
  constructor(
    message: string,
    readonly code: 'OUTRIGGER_UPSTREAM_INVALID_REQUEST' | 'OUTRIGGER_UPSTREAM_QUEUE_FULL' | 'OUTRIGGER_UPSTREAM_POOL_CLOSED',
  ) {
    super(message);
  }
}

/** The connection broke (closed, reset, timed out) before the response was complete. */
export class UpstreamSocketError extends Error {
  override name = 'UpstreamSocketError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const PATH = /^[\x21-\x7e\x80-\xff]+$/;
/** Methods whose empty body is sent as `content-length: 0` (as undici and Node's client do). */
const EXPECTS_PAYLOAD = new Set(['POST', 'PUT', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);
const BUFFER_BYTES = 64 * 1024;
/** Read buffers of closed or idle connections, for the next connection that reads. */
const spare: Buffer[] = [];

function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
}

function giveBuffer(buffer: Buffer): void {
  if (spare.length < 64) spare.push(buffer);
}

/** One request from dispatch to its end. */
class Exchange implements UpstreamController {
  connection: Connection | undefined;
  reused = false;
  written = false;
  aborted = false;
  finished = false;
  /** The whole request (head and body) has been handed to the socket. */
  writeDone = false;
  paused = false;
  /** The request head, and the body length it declares (-1: chunked). */
  head = '';
  length = 0;

  constructor(
    readonly pool: UpstreamPool,
    readonly request: UpstreamRequest,
    readonly handler: UpstreamHandler,
  ) {}

  pause(): void {
    if (this.finished || this.paused) return;
    this.paused = true;
    this.connection?.pause();
  }

  resume(): void {
    if (this.finished || !this.paused) return;
    this.paused = false;
    this.connection?.resume();
  }

  abort(reason: Error): void {
    if (this.finished) return;
    this.aborted = true;
    const connection = this.connection;
    if (connection === undefined) this.pool.unqueue(this);
    else connection.drop(this);
    this.fail(reason);
  }

  /** Ends the exchange with an error (once); the handler hears of it unless it aborted. */
  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.connection = undefined;
    this.handler.onResponseError(this, err);
  }
}

/** One upstream connection: writes a request, parses its response, goes back to the pool. */
class Connection implements ResponseSink {
  socket: Socket | undefined;
  exchange: Exchange | undefined;
  /** Counted in the pool's busy connections. */
  busy = false;
  served = 0;
  readonly parser = new ResponseParser();
  #buffer: Buffer | undefined;
  /** The read in progress stopped where the handler paused: the rest waits for `resume`. */
  #held: { buf: Buffer; at: number; end: number } | undefined;
  #keepAlive = false;
  #idleMs: number;
  #timeoutMs = 0;
  #bodyTimeoutFired = false;
  #closed = false;
  /** The exchange's `retains`, kept for the end of the read that finished it. */
  #retains: (() => boolean) | undefined;

  constructor(readonly pool: UpstreamPool) {
    this.#idleMs = pool.options.idleTimeoutMs;
  }

  /** The parser stops when the handler paused, or when the exchange is gone (aborted, failed). */
  get paused(): boolean {
    const x = this.exchange;
    return x === undefined || x.finished || x.paused;
  }

  open(): void {
    this.pool.options.dial({ buffer: () => this.#nextBuffer(), callback: (n, buf) => this.#onRead(buf as Buffer, n) }, (err, socket) => {
      if (err !== null || socket === null) {
        this.pool.connectFailed(this, err ?? new UpstreamSocketError('no socket', 'ECONNREFUSED'));
        return;
      }
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      socket.on('error', (e) => this.#broken(e));
      socket.on('end', () => this.#onEnd());
      socket.on('close', () => this.#onClose());
      socket.on('timeout', () => this.#onTimeout());
      this.pool.opened(this);
    });
  }

  #nextBuffer(): Buffer {
    this.#buffer ??= takeBuffer();
    return this.#buffer;
  }

  /** Sends `x` on this connection. */
  start(x: Exchange, reused: boolean): void {
    const socket = this.socket as Socket;
    this.exchange = x;
    x.connection = this;
    x.reused = reused;
    this.#keepAlive = false;
    this.#bodyTimeoutFired = false;
    this.#retains = x.request.retains;
    this.parser.expect(x.request.method);
    x.handler.onRequestStart(x);
    if (x.finished) return; // aborted in onRequestStart
    if (socket.destroyed || socket.readableEnded || !socket.writable) {
      // Found closed before writing: provably not sent (x.written stays false).
      this.drop(x);
      x.fail(new UpstreamSocketError('the upstream connection was closed before the request was written', 'ECONNRESET'));
      return;
    }
    if (x.paused) this.pause();
    else socket.resume();
    this.#write(x, socket);
  }

  #write(x: Exchange, socket: Socket): void {
    const body = x.request.body;
    if (body === null) {
      x.written = true;
      socket.write(x.head, 'latin1');
      x.writeDone = true;
      return;
    }
    const chunked = x.length < 0;
    let sent = 0;
    let waiting = false;
    const done = (): boolean => x.finished || this.exchange !== x;
    const fail = (err: Error): void => {
      if (done()) return;
      this.drop(x);
      x.fail(err);
    };
    /** The head goes out with the first body bytes (or the body's end), in one write: until then nothing is sent. */
    const head = (): void => {
      if (x.written) return;
      x.written = true;
      socket.write(x.head, 'latin1');
    };
    const pump = (): void => {
      if (done() || waiting) return;
      let ok = true;
      let chunk: Buffer | null = body.read() as Buffer | null;
      if (chunk === null) return;
      socket.cork();
      head();
      while (chunk !== null) {
        sent += chunk.length;
        if (!chunked && sent > x.length) {
          socket.uncork();
          fail(new UpstreamRequestError('the request body is longer than its Content-Length', 'OUTRIGGER_UPSTREAM_INVALID_REQUEST'));
          return;
        }
        if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        ok = socket.write(chunk);
        if (chunked) ok = socket.write('\r\n', 'latin1');
        chunk = ok ? (body.read() as Buffer | null) : null;
      }
      socket.uncork();
      if (!ok) {
        waiting = true;
        socket.once('drain', () => {
          waiting = false;
          pump();
        });
      }
    };
    const onEnd = (): void => {
      if (done()) return;
      if (!chunked && sent !== x.length) {
        fail(new UpstreamRequestError('the request body is shorter than its Content-Length', 'OUTRIGGER_UPSTREAM_INVALID_REQUEST'));
        return;
      }
      socket.cork();
      head();
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      socket.uncork();
      x.writeDone = true;
      cleanup();
    };
    const onError = (err: Error): void => {
      cleanup();
      fail(err);
    };
    const onClose = (): void => {
      if (!body.readableEnded) onError(new UpstreamSocketError('the request body stream closed early', 'ECONNABORTED'));
    };
    const cleanup = (): void => {
      body.off('readable', pump);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    body.on('readable', pump);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    pump();
  }

  #onRead(buf: Buffer, n: number): boolean {
    const x = this.exchange;
    if (x === undefined) {
      // Bytes on an idle connection: it cannot be trusted with the next request.
      this.destroy();
      return false;
    }
    if (!x.written) {
      // Bytes before the request went out (its head waits for the body): not an answer to it.
      this.drop(x);
      x.fail(new UpstreamSocketError('the upstream sent bytes before the request was written', 'ECONNRESET'));
      return false;
    }
    const retains = this.#retains;
    this.#parse(x, buf, 0, n);
    // A body still to come: from now on each wait for more of it is bounded. (A response whole in
    // one read, the common case, touches no timer.)
    if (this.exchange === x && this.parser.inBody) {
      const bodyTimeout = x.request.bodyTimeoutMs;
      if (bodyTimeout !== undefined && bodyTimeout > 0) this.#arm(bodyTimeout);
    }
    // Node reads the next bytes into what `buffer()` returns after this: a fresh one if views are held.
    if (retains === undefined || retains()) this.#buffer = undefined;
    return !(this.exchange?.paused ?? false) && this.#held === undefined;
  }

  #parse(x: Exchange, buf: Buffer, start: number, end: number): void {
    let at: number;
    try {
      at = this.parser.execute(buf, start, end, this);
    } catch (err) {
      this.drop(x);
      x.fail(err as Error);
      return;
    }
    if (this.exchange !== x) {
      // The response ended (or the exchange failed) in this read.
      if (at < end) this.destroy(); // bytes after a response: not a connection to reuse
      return;
    }
    // Paused mid-read: the rest is copied (the read buffer is reused) and parsed on resume.
    if (at < end) this.#held = { buf: heldCopy(buf.subarray(at, end)), at: 0, end: end - at };
  }

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    const x = this.exchange;
    const held = this.#held;
    if (held !== undefined && x !== undefined) {
      this.#held = undefined;
      this.#parse(x, held.buf, held.at, held.end);
      if (this.exchange === x && (x.paused || this.#held !== undefined)) return;
    }
    if (this.#bodyTimeoutFired && this.exchange !== undefined) {
      // The body timeout fired while paused (and was ignored): arm it again.
      this.#bodyTimeoutFired = false;
      this.#arm(this.#timeoutMs, true);
    }
    this.socket?.resume();
  }

  // ResponseSink
  onHead(head: ResponseHead): void {
    const x = this.exchange;
    if (x === undefined || x.finished) return;
    this.#keepAlive = head.keepAlive;
    const hint = head.keepAliveTimeoutMs;
    if (hint !== undefined) {
      const ms = hint - this.pool.options.keepAliveMarginMs;
      // Too short to be worth keeping (undici's rule): close after this response.
      if (ms < 1000) this.#keepAlive = false;
      else this.#idleMs = Math.min(ms, this.pool.options.idleTimeoutMs);
    }
    x.handler.onResponseStart(x, head.status, head.headers);
  }

  onData(chunk: Buffer): void {
    const x = this.exchange;
    if (x === undefined || x.finished) return;
    x.handler.onResponseData(x, chunk);
  }

  onEnd(): void {
    const x = this.exchange;
    if (x === undefined) return;
    this.served++;
    if (!x.writeDone) {
      // Answered before the request was fully sent: the rest cannot be sent, so no reuse.
      this.#keepAlive = false;
    }
    this.#complete(x);
  }

  #complete(x: Exchange): void {
    if (x.finished) return;
    x.finished = true;
    this.exchange = undefined;
    x.connection = undefined;
    const reusable = this.#keepAlive && x.writeDone && this.socket !== undefined && !this.socket.destroyed && !this.#closed;
    if (!reusable) this.destroy();
    x.handler.onResponseEnd(x);
    if (reusable) this.pool.release(this);
  }

  /** Idle in the pool: closed when idle too long. */
  idle(): void {
    this.#arm(this.#idleMs);
    this.socket?.resume();
  }

  #arm(ms: number, force = false): void {
    if (!force && this.#timeoutMs === ms) return;
    this.#timeoutMs = ms;
    this.socket?.setTimeout(ms);
  }

  #onTimeout(): void {
    const x = this.exchange;
    if (x === undefined) {
      this.destroy(); // idle too long
      return;
    }
    if (!this.parser.inBody || x.request.bodyTimeoutMs === undefined) return; // the route's timers govern
    if (x.paused || this.#held !== undefined) {
      this.#bodyTimeoutFired = true;
      return;
    }
    this.drop(x);
    x.fail(new UpstreamSocketError('the response body stopped arriving (body timeout)', 'ETIMEDOUT'));
  }

  #onEnd(): void {
    const x = this.exchange;
    if (x === undefined) return;
    try {
      this.parser.eof(this);
    } catch (err) {
      this.drop(x);
      x.fail(err as Error);
    }
  }

  #broken(err: Error): void {
    const x = this.exchange;
    if (x === undefined) this.destroy();
    else {
      this.drop(x);
      x.fail(err);
    }
  }

  #onClose(): void {
    const x = this.exchange;
    if (x !== undefined) {
      this.exchange = undefined;
      x.fail(new UpstreamSocketError('the upstream closed the connection', 'ECONNRESET'));
    }
    this.#closed = true;
    this.#held = undefined;
    if (this.#buffer !== undefined) giveBuffer(this.#buffer);
    this.#buffer = undefined;
    this.pool.closed(this);
  }

  /** Lets go of `x` (it failed or was aborted): the connection is destroyed, never reused. */
  drop(x: Exchange): void {
    if (this.exchange === x) this.exchange = undefined;
    x.connection = undefined;
    this.destroy();
  }

  destroy(): void {
    this.socket?.destroy();
  }
}

export class UpstreamPool {
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  #connecting = 0;
  #queue: Exchange[] = [];
  #busy = 0;
  #closing: { resolve: () => void; promise: Promise<void> } | undefined;
  #destroyed = false;

  constructor(readonly options: UpstreamPoolOptions) {}

  /** Connected sockets (idle or busy). */
  get connected(): number {
    return this.#all.size - this.#connecting;
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Starts a request; its controller can pause or abort it from now on (queued or not). */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): UpstreamController {
    const x = new Exchange(this, request, handler);
    try {
      const { head, length } = requestHead(request);
      x.head = head;
      x.length = length;
    } catch (err) {
      process.nextTick(() => x.fail(err as Error));
      return x;
    }
    if (this.#closing !== undefined || this.#destroyed) {
      process.nextTick(() => x.fail(new UpstreamRequestError('the endpoint is closed', 'OUTRIGGER_UPSTREAM_POOL_CLOSED')));
      return x;
    }
    const idle = this.#takeIdle();
    if (idle !== undefined) {
      this.#use(idle, x);
      return x;
    }
    if (this.#queue.length >= this.options.maxQueued) {
      process.nextTick(() =>
        x.fail(new UpstreamRequestError('too many requests waiting for a connection', 'OUTRIGGER_UPSTREAM_QUEUE_FULL')),
      );
      return x;
    }
    this.#queue.push(x);
    this.#grow();
    return x;
  }

  #takeIdle(): Connection | undefined {
    let c = this.#idle.pop();
    while (c !== undefined && (c.socket === undefined || c.socket.destroyed || c.socket.readableEnded)) {
      c.destroy();
      c = this.#idle.pop();
    }
    return c;
  }

  /** Opens a connection when requests wait for more than the connections being opened can serve. */
  #grow(): void {
    if (this.#queue.length > this.#connecting && this.#all.size < this.options.maxConnections) {
      const c = new Connection(this);
      this.#all.add(c);
      this.#connecting++;
      c.open();
    }
  }

  unqueue(x: Exchange): void {
    const i = this.#queue.indexOf(x);
    if (i !== -1) this.#queue.splice(i, 1);
    this.#settle();
  }

  opened(c: Connection): void {
    this.#connecting--;
    if (this.#destroyed) {
      c.destroy();
      return;
    }
    this.release(c);
  }

  connectFailed(c: Connection, err: Error): void {
    this.#connecting--;
    this.#all.delete(c);
    // Requests that no other connection (being opened, or busy and freeing up) will serve fail now.
    while (this.#queue.length > 0 && this.#queue.length > this.#connecting + this.#busy) {
      (this.#queue.shift() as Exchange).fail(err);
    }
    this.#grow();
    this.#settle();
  }

  #use(c: Connection, x: Exchange): void {
    if (!c.busy) {
      c.busy = true;
      this.#busy++;
    }
    c.start(x, c.served > 0);
  }

  #unbusy(c: Connection): void {
    if (!c.busy) return;
    c.busy = false;
    this.#busy--;
  }

  /** A connection is free: the next waiting request takes it, else it idles. */
  release(c: Connection): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#use(c, next);
      return;
    }
    this.#unbusy(c);
    if (this.#closing !== undefined) {
      c.destroy();
      this.#settle();
      return;
    }
    this.#idle.push(c);
    c.idle();
  }

  closed(c: Connection): void {
    if (!this.#all.delete(c)) return;
    const i = this.#idle.indexOf(c);
    if (i !== -1) this.#idle.splice(i, 1);
    this.#unbusy(c);
    this.#grow();
    this.#settle();
  }

  #settle(): void {
    const closing = this.#closing;
    if (closing === undefined || this.#busy > 0 || this.#queue.length > 0) return;
    for (const c of this.#all) c.destroy();
    if (this.#all.size === 0 || this.#connecting === this.#all.size) closing.resolve();
  }

  /** Waits for the requests in flight and queued, then closes every connection. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#closing = { resolve, promise };
      for (const c of this.#idle.splice(0)) c.destroy();
      this.#settle();
    }
    return this.#closing.promise;
  }

  /** Ends everything now: queued requests fail, connections are destroyed. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    const err = new UpstreamRequestError('the endpoint was destroyed', 'OUTRIGGER_UPSTREAM_POOL_CLOSED');
    for (const x of this.#queue.splice(0)) x.fail(err);
    for (const c of this.#all) c.destroy();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#closing?.resolve();
  }
}

/** The request head, and the body length it declares (-1: chunked; 0 with no body). */
function requestHead(request: UpstreamRequest): { head: string; length: number } {
  const { method, path, headers, body } = request;
  if (!isToken(method)) throw new UpstreamRequestError(`an invalid method: ${method}`, 'OUTRIGGER_UPSTREAM_INVALID_REQUEST');
  if (!PATH.test(path)) throw new UpstreamRequestError('an invalid request target', 'OUTRIGGER_UPSTREAM_INVALID_REQUEST');
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let length = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (!isToken(name) || !isFieldValue(value)) {
      throw new UpstreamRequestError(`an invalid header: ${name}`, 'OUTRIGGER_UPSTREAM_INVALID_REQUEST');
    }
    if (sameName(name, 'content-length')) {
      const n = contentLength(value);
      if (n === undefined || (length !== -1 && n !== length)) {
        throw new UpstreamRequestError('an invalid Content-Length', 'OUTRIGGER_UPSTREAM_INVALID_REQUEST');
      }
      length = n;
      continue; // written below, once
    }
    if (sameName(name, 'transfer-encoding')) continue; // the pool frames the body
    head += `${name}: ${value}\r\n`;
  }
  if (body === null) {
    if (length > 0) throw new UpstreamRequestError('a Content-Length without a body', 'OUTRIGGER_UPSTREAM_INVALID_REQUEST');
    if (length === 0 || EXPECTS_PAYLOAD.has(method)) head += 'content-length: 0\r\n';
    return { head: `${head}\r\n`, length: 0 };
  }
  head += length >= 0 ? `content-length: ${length}\r\n` : 'transfer-encoding: chunked\r\n';
  return { head: `${head}\r\n`, length };
}
