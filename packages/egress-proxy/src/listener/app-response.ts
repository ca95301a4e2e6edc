/**
 * The response to one app request, written straight to the connection's socket: the status line
 * and headers wait for the first body bytes (or the end) so they leave in one write (a small body
 * copied behind them into one buffer); the body is framed by its Content-Length, else chunked
 * (HTTP/1.1) or by the close (HTTP/1.0); no body for HEAD, 204 and 304. `write` reports backpressure like a stream's; `close` listeners run once,
 * when the response has been flushed or the connection went away first.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { httpDate } from '../http/date.js';
import { contentLength, hasToken, isFieldValue, isToken, sameName } from '../http/fields.js';

export type ResponseHeaders = Readonly<Record<string, string | readonly string[]>> | readonly string[];

/** What a response needs of its connection. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** `keep-alive: timeout=N` and its CRLF, so clients let an idle connection go before the listener does. */
  readonly keepAliveHint: string;
  /** The response has been written whole (`keepAlive`: the connection may serve another request). */
  responseDone(res: AppResponse, keepAlive: boolean): void;
}

/** A body this small is copied behind the head into one buffer (a copy is cheaper than a writev). */
const COALESCE_BYTES = 16 * 1024;

interface HeadState {
  text: string;
  length: number;
  close: boolean;
  dated: boolean;
}

/** One field into the head being built; as Node's writeHead, a bad name or value throws. */
function addField(head: HeadState, name: string, value: string): void {
  if (!isToken(name) || !isFieldValue(value)) throw new Error(`an invalid response header (${name.slice(0, 64)})`);
  // Only the fields the framing owns are looked at; their lengths pick them out cheaply.
  switch (name.length) {
    case 4:
      if (sameName(name, 'date')) head.dated = true;
      break;
    case 10:
      if (sameName(name, 'connection')) {
        if (hasToken(value.toLowerCase(), 'close')) head.close = true;
        return; // set from the connection's state
      }
      break;
    case 14:
      if (sameName(name, 'content-length')) {
        const n = contentLength(value);
        if (n === undefined) throw new Error('an invalid response Content-Length');
        head.length = n;
        return; // written with the framing
      }
      break;
    case 17:
      if (sameName(name, 'transfer-encoding')) return; // the framing is ours
      break;
  }
  head.text += `${name}: ${value}\r\n`;
}

function runAll(fns: (() => void)[]): void {
  for (const fn of fns) fn();
}

enum Framing {
  None,
  Length,
  Chunked,
  UntilClose,
}

export class AppResponse {
  headersSent = false;
  /** The last byte has been handed to the socket. */
  ended = false;
  /** Closed: flushed whole, destroyed, or the connection went away. */
  destroyed = false;
  /** The status the listener answered with itself (the request's body broke its framing), if so. */
  refused: number | undefined;
  #head: string | undefined;
  #framing = Framing.None;
  #keepAlive: boolean;
  #onClose: (() => void)[] | undefined;
  #onDrain: (() => void) | undefined;
  /** The Content-Length being written (-1: other framing), and the body bytes written so far. */
  #length = -1;
  #sent = 0;
  /** The write holding the body's last byte carries the flush callback; `end` writes nothing more. */
  #lastQueued = false;
  /** That write flushed before `end` was called. */
  #flushedEarly = false;

  constructor(
    private readonly owner: ResponseOwner,
    /** A HEAD request: the response has no body whatever its headers say. */
    private readonly bodyless: boolean,
    /** HTTP/1.1 (chunked framing is possible). */
    private readonly http11: boolean,
    keepAlive: boolean,
  ) {
    this.#keepAlive = keepAlive;
  }

  /** Bytes queued in the socket (views of an upstream read buffer may be among them). */
  get writableLength(): number {
    return this.owner.socket.writableLength;
  }

  /** Runs `fn` once the response is closed (flushed whole or cut off), always on a later tick. */
  onClose(fn: () => void): void {
    if (this.destroyed) {
      process.nextTick(fn);
      return;
    }
    if (this.#onClose === undefined) this.#onClose = [fn];
    else this.#onClose.push(fn);
  }

  /** Runs `fn` once when the socket can take more after a `write` returned false. */
  onceDrain(fn: () => void): void {
    this.#onDrain = fn;
  }

  /** The connection's side: the socket drained. */
  drained(): void {
    const fn = this.#onDrain;
    this.#onDrain = undefined;
    fn?.();
  }

  /** The interim `100 Continue` (the client waits for it before sending its body). */
  writeContinue(): void {
    if (!this.headersSent && !this.destroyed) this.owner.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
  }

  /** Sets the status and headers; throws on header bytes that are not allowed (nothing is written then). */
  writeHead(status: number, headers: ResponseHeaders): void {
    if (this.headersSent) throw new Error('the response head was already written');
    const head: HeadState = { text: `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`, length: -1, close: false, dated: false };
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) addField(head, headers[i] as string, headers[i + 1] as string);
    } else {
      const record = headers as Readonly<Record<string, string | readonly string[]>>;
      for (const name in record) {
        const value = record[name] as string | readonly string[];
        if (typeof value === 'string') addField(head, name, value);
        else for (const v of value) addField(head, name, v);
      }
    }
    const length = head.length;
    let text = head.text;
    let close = head.close;
    if (this.bodyless || status === 204 || status === 304 || status < 200) this.#framing = Framing.None;
    else if (length >= 0) {
      this.#framing = Framing.Length;
      text += `content-length: ${length}\r\n`;
    } else if (this.http11) {
      this.#framing = Framing.Chunked;
      text += 'transfer-encoding: chunked\r\n';
    } else {
      this.#framing = Framing.UntilClose;
      close = true;
    }
    if (length >= 0 && this.#framing === Framing.None) text += `content-length: ${length}\r\n`;
    if (!head.dated) text += `date: ${httpDate()}\r\n`;
    if (close) this.#keepAlive = false;
    if (!this.#keepAlive) text += 'connection: close\r\n';
    else text += this.http11 ? this.owner.keepAliveHint : `connection: keep-alive\r\n${this.owner.keepAliveHint}`;
    this.#head = `${text}\r\n`;
    this.#length = this.#framing === Framing.Length ? length : -1;
    this.headersSent = true;
  }

  /**
   * Takes back a head no byte of which has reached the socket (nothing was written after it), so
   * a proxy-made error can still answer; false once anything is out.
   */
  withdrawHead(): boolean {
    if (this.#head === undefined || this.ended || this.destroyed) return false;
    this.#head = undefined;
    this.headersSent = false;
    return true;
  }

  /** Whether the connection stays open after this response (known once the head is written). */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Asks for the connection to close after this response (before its head: `connection: close`). */
  closeAfter(): void {
    this.#keepAlive = false;
  }

  /** Writes body bytes; false when the socket is full (then wait for `onceDrain`). */
  write(chunk: Buffer | string): boolean {
    const socket = this.owner.socket;
    if (this.destroyed || this.ended || socket.destroyed) return false;
    const head = this.#head;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (size === 0 && head === undefined) return socket.writableLength === 0 || !socket.writableNeedDrain;
    this.#sent += size;
    const last = this.#length >= 0 && this.#sent >= this.#length;
    if (head !== undefined && size <= COALESCE_BYTES && this.#framing !== Framing.Chunked) {
      // The head and a small body in one buffer, one write: no writev, no corking, and the
      // upstream's read buffer is not lent out. When it is the whole body, the flush is awaited on it.
      this.#head = undefined;
      const n = head.length; // latin1: a byte per character
      const body = this.#framing === Framing.None ? 0 : size;
      const out = Buffer.allocUnsafe(n + body);
      out.write(head, 0, 'latin1');
      if (body > 0) {
        if (typeof chunk === 'string') out.write(chunk, n);
        else chunk.copy(out, n);
      }
      this.#writeBody(socket, out, last);
      return !socket.writableNeedDrain;
    }
    socket.cork();
    if (head !== undefined) {
      this.#head = undefined;
      socket.write(head, 'latin1');
    }
    if (this.#framing === Framing.Chunked) {
      if (size > 0) {
        socket.write(`${size.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        socket.write('\r\n', 'latin1');
      }
    } else if (this.#framing !== Framing.None && size > 0) this.#writeBody(socket, chunk, last);
    socket.uncork();
    return !socket.writableNeedDrain;
  }

  /** Ends the response (with a last chunk of body); the close listeners run once it is flushed. */
  end(chunk?: Buffer | string): void {
    const socket = this.owner.socket;
    if (this.destroyed || this.ended || socket.destroyed) return;
    if (!this.headersSent) {
      const length = chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      this.writeHead(200, ['content-length', String(length)]);
    }
    if (chunk !== undefined) this.write(chunk);
    this.ended = true;
    if (this.#lastQueued) {
      // The last body bytes went out with the flush callback: nothing more to write.
      if (this.#flushedEarly) this.#flushed();
      return;
    }
    socket.cork();
    if (this.#head !== undefined) {
      socket.write(this.#head, 'latin1');
      this.#head = undefined;
    }
    const last = this.#framing === Framing.Chunked ? '0\r\n\r\n' : '';
    socket.write(last, 'latin1', this.#onFlush);
    socket.uncork();
  }

  /** A write of body bytes; the one that completes a Content-Length body carries the flush callback. */
  #writeBody(socket: Socket, data: Buffer | string, last: boolean): void {
    if (!last) {
      socket.write(data);
      return;
    }
    this.#lastQueued = true;
    socket.write(data, this.#onFlush);
  }

  readonly #onFlush = (): void => {
    // A write that completes the body may flush before `end` is called (it is, in the same turn).
    if (this.ended) this.#flushed();
    else this.#flushedEarly = true;
  };

  #flushed(): void {
    if (this.destroyed) return;
    this.owner.responseDone(this, this.#keepAlive && this.#framing !== Framing.UntilClose);
    this.closed();
  }

  /** Cuts the response off: the connection is destroyed (the app sees a reset). */
  destroy(): void {
    if (this.destroyed) return;
    this.owner.socket.destroy();
    this.closed();
  }

  /**
   * The connection's side: the response is over (flushed, or the socket went away). Its close
   * listeners run on the next tick, as Node's `'close'` did: the code that ended or cut the
   * response finishes first (a route that saw its upstream fail records that, and the status it
   * answered, before a listener takes the close for the app leaving).
   */
  closed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#onDrain = undefined;
    const listeners = this.#onClose;
    this.#onClose = undefined;
    if (listeners !== undefined) process.nextTick(runAll, listeners);
  }
}
