/**
 * A strict HTTP/1.1 response parser (RFC 9112) for the upstream pool: status line, field syntax
 * (no obs-fold, no bare CR or LF, token names, clean values), the framing rules (one
 * Content-Length of digits only, never with Transfer-Encoding; chunked validated byte by byte,
 * trailers checked and dropped; no body for HEAD, 204 and 304; else read until the close), 1xx
 * skipped (101 refused: upgrades leave the pool). Body bytes are handed on as views of the buffer
 * fed in, so a read allocates nothing here. Pure: no sockets (the pool feeds it).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The upstream sent something that is not a valid HTTP/1.1 response (the proxy answers 502). */
export class ResponseError extends Error {
  override name = 'ResponseError';
  readonly code = 'OUTRIGGER_UPSTREAM_MALFORMED';
}

export interface ResponseHead {
  status: number;
  reason: string;
  /** Lower-case names; a repeated field is an array of its values in order. */
  headers: IncomingHttpHeaders;
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

// RFC 9110 §5.6.2 token, §5.5 field value (VCHAR, obs-text, SP, HTAB), RFC 9112 §4 status line.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const DIGITS = /^\d{1,15}$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*(\d{1,9})/i;

enum State {
  Head,
  Length,
  Chunked,
  UntilClose,
  Done,
}

enum Chunk {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
}

export class ResponseParser {
  #state = State.Done;
  #bodyless = false;
  /** A head split over reads (a copy: the read buffer is reused). */
  #partial: Buffer | undefined;
  #remaining = 0;
  #chunk = Chunk.Size;
  #digits = 0;
  #lineBytes = 0;
  #trailerEmpty = true;

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
      this.#partial = Buffer.from(bytes);
      return end;
    }
    this.#partial = undefined;
    const next = at + stop + 4 - prior;
    const head = parseHead(bytes.toString('latin1', 0, stop));
    const status = head.response.status;
    if (status < 200) {
      if (status === 101) throw new ResponseError('a 101 upgrade the request did not ask for');
      return next; // 100, 103: the final response follows
    }
    const framing = head.framing;
    if (this.#bodyless || status === 204 || status === 304) this.#state = State.Done;
    else if (framing.chunked) {
      this.#state = State.Chunked;
      this.#chunk = Chunk.Size;
      this.#remaining = 0;
      this.#digits = 0;
      this.#lineBytes = 0;
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

  /** RFC 9112 §7.1, validated as bytes pass; data spans go to the sink as views. */
  #chunked(buf: Buffer, start: number, end: number, sink: ResponseSink): number {
    let i = start;
    while (i < end) {
      const b = buf[i] as number;
      switch (this.#chunk) {
        case Chunk.Size: {
          const h = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1;
          if (h >= 0) {
            if (++this.#digits > 12) throw new ResponseError('a chunk size too large');
            this.#remaining = this.#remaining * 16 + h;
          } else if (this.#digits === 0) throw new ResponseError('a chunk size without digits');
          else if (b === 13) this.#chunk = Chunk.SizeLf;
          else if (b === 59 /* ; */ || b === 32 || b === 9) this.#chunk = Chunk.Ext;
          else throw new ResponseError('an invalid chunk size');
          i++;
          break;
        }
        case Chunk.Ext:
          if (b === 13) this.#chunk = Chunk.SizeLf;
          else if (b === 10 || b === 127 || (b < 32 && b !== 9)) throw new ResponseError('an invalid chunk extension');
          else if (++this.#lineBytes > MAX_CHUNK_LINE_BYTES) throw new ResponseError('a chunk extension too long');
          i++;
          break;
        case Chunk.SizeLf:
          if (b !== 10) throw new ResponseError('a chunk size line without CRLF');
          i++;
          this.#digits = 0;
          this.#lineBytes = 0;
          if (this.#remaining === 0) {
            this.#chunk = Chunk.Trailer;
            this.#trailerEmpty = true;
          } else this.#chunk = Chunk.Data;
          break;
        case Chunk.Data: {
          const n = Math.min(this.#remaining, end - i);
          this.#remaining -= n;
          sink.onData(buf.subarray(i, i + n));
          i += n;
          if (this.#remaining === 0) this.#chunk = Chunk.DataCr;
          if (sink.paused) return i;
          break;
        }
        case Chunk.DataCr:
          if (b !== 13) throw new ResponseError('chunk data not followed by CRLF');
          this.#chunk = Chunk.DataLf;
          i++;
          break;
        case Chunk.DataLf:
          if (b !== 10) throw new ResponseError('chunk data not followed by CRLF');
          this.#chunk = Chunk.Size;
          i++;
          break;
        case Chunk.Trailer:
          if (b === 13) this.#chunk = Chunk.TrailerLf;
          else if (b === 10 || b === 127 || (b < 32 && b !== 9)) throw new ResponseError('an invalid trailer line');
          else {
            if (this.#trailerEmpty && (b === 32 || b === 9)) throw new ResponseError('obs-fold in a trailer');
            this.#trailerEmpty = false;
            if (++this.#lineBytes > MAX_HEAD_BYTES) throw new ResponseError('trailers too large');
          }
          i++;
          break;
        case Chunk.TrailerLf:
          if (b !== 10) throw new ResponseError('a trailer line without CRLF');
          i++;
          if (this.#trailerEmpty) {
            this.#end(sink);
            return i;
          }
          this.#chunk = Chunk.Trailer;
          this.#trailerEmpty = true;
          break;
      }
    }
    return i;
  }
}

interface ParsedHead {
  response: ResponseHead;
  framing: { length: number; chunked: boolean };
}

/** A response head (latin1, without its final CRLFCRLF). */
export function parseHead(text: string): ParsedHead {
  const lines = text.split('\r\n');
  for (const line of lines) {
    if (line.indexOf('\n') !== -1 || line.indexOf('\r') !== -1) throw new ResponseError('a bare CR or LF in the response head');
  }
  const m = STATUS_LINE.exec(lines[0] as string);
  if (m === null) throw new ResponseError('a malformed status line');
  const headers: IncomingHttpHeaders = Object.create(null);
  let length = -1;
  let te: string | undefined;
  let connection: string | undefined;
  let keepAliveHint: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) throw new ResponseError('obs-fold (a field line starting with whitespace)');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ResponseError('a field line without a name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new ResponseError('an invalid field name');
    let s = colon + 1;
    let e = line.length;
    while (s < e && (line.charCodeAt(s) === 32 || line.charCodeAt(s) === 9)) s++;
    while (e > s && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
    const value = line.slice(s, e);
    if (!FIELD_VALUE.test(value)) throw new ResponseError('an invalid field value');
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (length !== -1) throw new ResponseError('more than one Content-Length');
      if (!DIGITS.test(value)) throw new ResponseError('an invalid Content-Length');
      length = Number(value);
    } else if (lower === 'transfer-encoding') {
      te = te === undefined ? value : `${te}, ${value}`;
    } else if (lower === 'connection') {
      connection = connection === undefined ? value : `${connection}, ${value}`;
    } else if (lower === 'keep-alive') {
      keepAliveHint = value;
    }
    const prev = headers[lower];
    if (prev === undefined) headers[lower] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[lower] = [prev, value];
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

function hasToken(list: string, token: string): boolean {
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}
