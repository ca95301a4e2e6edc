/**
 * A strict HTTP/1.1 response parser (RFC 9112) for the upstream pool: status line, field syntax
 * (no obs-fold, no bare CR or LF, token names, clean values), the framing rules (one
 * Content-Length of digits only, never with Transfer-Encoding; chunked validated byte by byte by
 * the decoder the listener shares, trailers checked and dropped; no body for HEAD, 204 and 304; else read until the close), 1xx
 * skipped (101 refused: upgrades leave the pool). Body bytes are handed on as views of the buffer
 * fed in, so a read allocates nothing here. Pure: no sockets (the pool feeds it).
 */
import { ChunkedDecoder } from '../http/chunked-decoder.js';
import { lineEnd, readFields } from '../http/field-lines.js';
import { contentLength, hasToken } from '../http/fields.js';
import { heldCopy } from '../http/held-copy.js';

/** The upstream sent something that is not a valid HTTP/1.1 response (the proxy answers 502). */
export class ResponseError extends Error {
  override name = 'ResponseError';
  readonly code = 'OUTRIGGER_UPSTREAM_MALFORMED';
}

export interface ResponseHead {
  status: number;
  reason: string;
  /**
   * Flat `[name, value, ...]` in the order received, names lower-cased, values trimmed (a list,
   * not an object: no dictionary per response; `headerValue` looks one up).
   */
  headers: string[];
  /** The connection may carry another request after this response (version and Connection). */
  keepAlive: boolean;
  /** `Keep-Alive: timeout=N` in milliseconds, when the upstream announced it. */
  keepAliveTimeoutMs: number | undefined;
}

/** Where the parser sends what it found. `paused` is read after each body chunk. */
export interface ResponseSink {
  readonly paused: boolean;
  onHead(head: ResponseHead): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
}

export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE_BYTES = 4096;

// RFC 9112 §4 status line.
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*(\d{1,9})/i;

enum State {
  Head,
  Length,
  Chunked,
  UntilClose,
  Done,
}

export class ResponseParser {
  #state = State.Done;
  #bodyless = false;
  /** A head split over reads (a copy: the read buffer is reused). */
  #partial: Buffer | undefined;
  #remaining = 0;
  readonly #decoder = new ChunkedDecoder(responseError, MAX_CHUNK_LINE_BYTES, MAX_HEAD_BYTES);

  /** Expects the response to a request with `method` (HEAD responses have no body). */
  expect(method: string): void {
    this.#state = State.Head;
    this.#bodyless = method === 'HEAD';
    this.#partial = undefined;
  }

  /** The response has been read to its end. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** Whether the head has been read (body bytes may follow). */
  get inBody(): boolean {
    return this.#state !== State.Head && this.#state !== State.Done;
  }

  /**
   * Parses `buf[start, end)`; returns where it stopped: at `end`, at the end of the response
   * (bytes after it are not part of it), or where the sink paused. Throws a ResponseError.
   */
  execute(buf: Buffer, start: number, end: number, sink: ResponseSink): number {
    let at = start;
    while (at < end) {
      switch (this.#state) {
        case State.Head:
          at = this.#head(buf, at, end, sink);
          break;
        case State.Length: {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          sink.onData(buf.subarray(at, at + n));
          at += n;
          if (this.#remaining === 0) this.#end(sink);
          break;
        }
        case State.Chunked:
          at = this.#chunked(buf, at, end, sink);
          break;
        case State.UntilClose:
          sink.onData(buf.subarray(at, end));
          at = end;
          break;
        default:
          return at;
      }
      if (sink.paused || (this.#state as State) === State.Done) return at;
    }
    return at;
  }

  /** The upstream closed its side: ends a body read until the close, else the response is cut. */
  eof(sink: ResponseSink): void {
    if (this.#state === State.UntilClose) {
      this.#end(sink);
      return;
    }
    if (this.#state === State.Done) return;
    throw new ResponseError(
      this.#state === State.Head && this.#partial === undefined
        ? 'the upstream closed the connection before responding'
        : 'the upstream closed the connection in the middle of a response',
    );
  }

  /** Whether the upstream closing now would lose nothing of a response (none has started). */
  get untouched(): boolean {
    return this.#state === State.Head && this.#partial === undefined;
  }

  #end(sink: ResponseSink): void {
    this.#state = State.Done;
    sink.onEnd();
  }

  #head(buf: Buffer, at: number, end: number, sink: ResponseSink): number {
    const prior = this.#partial?.length ?? 0;
    const bytes = this.#partial === undefined ? buf.subarray(at, end) : Buffer.concat([this.#partial, buf.subarray(at, end)]);
    const stop = bytes.indexOf('\r\n\r\n');
    if (stop === -1 || stop + 4 > MAX_HEAD_BYTES) {
      // A head ended by bare LFs never ends by CRLFCRLF: refused now, not at a timeout.
      if (bytes.indexOf('\n\n') !== -1) throw new ResponseError('a bare LF in the response head');
      if (stop !== -1 || bytes.length > MAX_HEAD_BYTES) throw new ResponseError('the response head is too large');
      this.#partial = heldCopy(bytes);
      return end;
    }
    this.#partial = undefined;
    const next = at + stop + 4 - prior;
    const head = parseHead(bytes, stop);
    const status = head.response.status;
    if (status < 200) {
      if (status === 101) throw new ResponseError('a 101 upgrade the request did not ask for');
      return next; // 100, 103: the final response follows
    }
    const framing = head.framing;
    if (this.#bodyless || status === 204 || status === 304) this.#state = State.Done;
    else if (framing.chunked) {
      this.#state = State.Chunked;
      this.#decoder.reset();
    } else if (framing.length >= 0) {
      this.#state = framing.length === 0 ? State.Done : State.Length;
      this.#remaining = framing.length;
    } else {
      // No framing: the body runs to the close, and the connection cannot be reused.
      this.#state = State.UntilClose;
      head.response.keepAlive = false;
    }
    sink.onHead(head.response);
    if (this.#state === State.Done) sink.onEnd();
    return next;
  }

  /** RFC 9112 §7.1 (the shared decoder); the response ends with the body. */
  #chunked(buf: Buffer, start: number, end: number, sink: ResponseSink): number {
    const at = this.#decoder.execute(buf, start, end, sink);
    if (this.#decoder.done) this.#end(sink);
    return at;
  }
}

interface ParsedHead {
  response: ResponseHead;
  framing: { length: number; chunked: boolean };
}

/** The response head in `bytes[0, stop)` (its final CRLFCRLF at `stop`). */
export function parseHead(bytes: Buffer, stop: number): ParsedHead {
  const lineStop = lineEnd(bytes, 0, stop, responseError);
  const m = STATUS_LINE.exec(bytes.toString('latin1', 0, lineStop));
  if (m === null) throw new ResponseError('a malformed status line');
  const headers: string[] = [];
  if (lineStop < stop) readFields(bytes, lineStop + 2, stop, true, headers, responseError);
  let length = -1;
  let te: string | undefined;
  let connection: string | undefined;
  let keepAliveHint: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const lower = headers[i] as string;
    const value = headers[i + 1] as string;
    // Only the framing and connection fields are read here; their lengths pick them out cheaply.
    switch (lower.length) {
      case 10:
        if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
        else if (lower === 'keep-alive') keepAliveHint = value;
        break;
      case 14:
        if (lower === 'content-length') {
          if (length !== -1) throw new ResponseError('more than one Content-Length');
          const n = contentLength(value);
          if (n === undefined) throw new ResponseError('an invalid Content-Length');
          length = n;
        }
        break;
      case 17:
        if (lower === 'transfer-encoding') te = te === undefined ? value : `${te}, ${value}`;
        break;
    }
  }
  let chunked = false;
  if (te !== undefined) {
    // RFC 9112 §6.3: both is a smuggling signature; refuse rather than pick one.
    if (length !== -1) throw new ResponseError('both Content-Length and Transfer-Encoding');
    const codings = te.toLowerCase().split(',');
    for (let i = 0; i < codings.length; i++) {
      const coding = (codings[i] as string).trim();
      if (coding === '') throw new ResponseError('an empty transfer coding');
      if (coding === 'chunked') {
        if (i !== codings.length - 1) throw new ResponseError('chunked is not the last transfer coding');
        chunked = true;
      }
    }
  }
  const tokens = connection === undefined ? undefined : connection.toLowerCase();
  const keepAlive =
    m[1] === '1' ? !(tokens !== undefined && hasToken(tokens, 'close')) : tokens !== undefined && hasToken(tokens, 'keep-alive');
  const hint = keepAliveHint === undefined ? undefined : KEEP_ALIVE_TIMEOUT.exec(keepAliveHint)?.[1];
  return {
    response: {
      status: Number(m[2]),
      reason: m[3] ?? '',
      headers,
      keepAlive,
      keepAliveTimeoutMs: hint === undefined ? undefined : Number(hint) * 1000,
    },
    framing: { length, chunked },
  };
}

function responseError(detail: string): ResponseError {
  return new ResponseError(detail);
}
