/**
 * The listener's strict, incremental HTTP/1.1 request parser (RFC 9112), the one place requests
 * are checked: request line (an HTTP/1.x version required; 414 past max_request_line_bytes), field
 * syntax (token names, no obs-fold, no bare CR or LF, clean values; 431 past max_header_bytes),
 * exactly one valid Host, one digits-only Content-Length, Transfer-Encoding only as `chunked` and
 * never with Content-Length, underscores per listener.underscore_headers, Expect only
 * 100-continue (417); then the body by its framing, chunked validated as it streams. Body bytes
 * are handed on as views of the buffer fed in. Pure: no sockets (the connection feeds it).
 */

import type { ErrorCode } from '../errors.js';
import { ChunkedDecoder } from '../http/chunked-decoder.js';
import { lineEnd, readFields } from '../http/field-lines.js';
import { contentLength, hasToken, sameName, TOKEN_BYTES } from '../http/fields.js';
import { heldCopy } from '../http/held-copy.js';

/** A request the listener refuses; the connection is closed after the answer. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: 400 | 414 | 417 | 431,
    readonly code: ErrorCode,
    detail: string,
  ) {
    super(detail);
  }
}

export interface RequestLimits {
  maxHeaderBytes: number;
  maxRequestLineBytes: number;
  underscoreHeaders: 'drop' | 'pass' | 'reject';
}

export interface RequestHead {
  method: string;
  /** The request target as sent (origin-, absolute-, authority- or asterisk-form). */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** Flat `[name, value, ...]`, names as sent, values trimmed. */
  rawHeaders: string[];
  host: string | undefined;
  /** The body's length, -1 when chunked (0: no body). */
  bodyLength: number;
  /** The connection may carry another request after this one (version and Connection). */
  keepAlive: boolean;
  /** `Expect: 100-continue` on HTTP/1.1: the client waits for a 100 before its body. */
  expectContinue: boolean;
  /** A WebSocket upgrade (Connection: upgrade and Upgrade: websocket): the socket leaves HTTP. */
  upgrade: boolean;
}

/** Where the parser sends what it found. `paused` is read after each body chunk. */
export interface RequestSink {
  readonly paused: boolean;
  onHead(head: RequestHead): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
}

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
const HTTP_09 = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e]+$/;
/** host, or [v6]; an optional port. No userinfo, path, list or whitespace. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A lone CR held while its LF is still to come (never written to: shared). */
const CR = Buffer.from([13]);
const MAX_CHUNK_EXTENSION_BYTES = 4096;

enum State {
  Head,
  Length,
  Chunked,
  /** After a CONNECT or an upgrade: the bytes are no longer HTTP. */
  Detached,
}

function bad(detail: string): RequestError {
  return new RequestError(400, 'OUTRIGGER_E_BAD_REQUEST', detail);
}

export class RequestParser {
  #state = State.Head;
  /** A head split over reads (a copy, at most max_header_bytes). */
  #partial: Buffer | undefined;
  #remaining = 0;
  readonly #decoder: ChunkedDecoder;

  constructor(readonly limits: RequestLimits) {
    this.#decoder = new ChunkedDecoder(bad, MAX_CHUNK_EXTENSION_BYTES, limits.maxHeaderBytes);
  }

  /** Whether no byte of a next request has been seen (a close now loses nothing). */
  get idle(): boolean {
    return this.#state === State.Head && this.#partial === undefined;
  }

  /** Whether a request's body is being read. */
  get inBody(): boolean {
    return this.#state === State.Length || this.#state === State.Chunked;
  }

  /**
   * Parses `buf[start, end)`; returns where it stopped: at `end`, right after a head (the caller
   * decides whether to go on), at the end of a body, or where the sink paused. Throws a
   * RequestError.
   */
  execute(buf: Buffer, start: number, end: number, sink: RequestSink): number {
    let at = start;
    while (at < end) {
      switch (this.#state) {
        case State.Head:
          return this.#head(buf, at, end, sink);
        case State.Length: {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          sink.onData(buf.subarray(at, at + n));
          at += n;
          if (this.#remaining === 0) {
            this.#state = State.Head;
            sink.onEnd();
            return at;
          }
          break;
        }
        case State.Chunked:
          at = this.#decoder.execute(buf, at, end, sink);
          if (this.#decoder.done) {
            this.#state = State.Head;
            sink.onEnd();
            return at;
          }
          break;
        default:
          return at;
      }
      if (sink.paused) return at;
    }
    return at;
  }

  #head(buf: Buffer, at: number, end: number, sink: RequestSink): number {
    const prior = this.#partial?.length ?? 0;
    const bytes = this.#partial === undefined ? buf.subarray(at, end) : Buffer.concat([this.#partial, buf.subarray(at, end)]);
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    let s = 0;
    while (s + 1 < bytes.length && bytes[s] === 13 && bytes[s + 1] === 10) s += 2;
    if (s === bytes.length || (s === bytes.length - 1 && bytes[s] === 13)) {
      // Nothing but empty lines so far: keep at most a CR whose LF is still to come.
      this.#partial = s === bytes.length ? undefined : CR;
      return end;
    }
    const stop = bytes.indexOf(CRLFCRLF, s);
    const headEnd = stop === -1 ? bytes.length : stop + 2;
    this.#checkSoFar(bytes, s, headEnd, stop !== -1);
    if (stop === -1) {
      this.#partial = heldCopy(bytes.subarray(s));
      return end;
    }
    this.#partial = undefined;
    const next = at + stop + 4 - prior;
    const head = this.#parse(bytes, s, stop);
    if (head.method === 'CONNECT' || head.upgrade) this.#state = State.Detached;
    else if (head.bodyLength === -1) {
      this.#state = State.Chunked;
      this.#decoder.reset();
    } else if (head.bodyLength > 0) {
      this.#state = State.Length;
      this.#remaining = head.bodyLength;
    }
    sink.onHead(head);
    if (head.bodyLength === 0 && this.#state === State.Head) sink.onEnd();
    return next;
  }

  /**
   * What can be refused before the head is whole, so garbage and oversized heads are answered at
   * once rather than at the headers timeout: the request line's length (414) and first bytes, a
   * bare LF, the head's size (431).
   */
  #checkSoFar(bytes: Buffer, s: number, headEnd: number, whole: boolean): void {
    const { maxRequestLineBytes, maxHeaderBytes } = this.limits;
    const lf = bytes.indexOf(10, s);
    const lineEnd = lf === -1 || lf > headEnd ? -1 : lf;
    const lineBytes = lineEnd === -1 ? headEnd - s : lineEnd - s - 1;
    if (lineBytes > maxRequestLineBytes || (lineEnd === -1 && lineBytes > maxHeaderBytes)) {
      throw new RequestError(
        414,
        'OUTRIGGER_E_URI_TOO_LONG',
        `the request line exceeds listener.max_request_line_bytes (${maxRequestLineBytes})`,
      );
    }
    // A method of token bytes, then a space: a TLS handshake or binary junk stops here.
    for (let i = s; i < headEnd; i++) {
      const b = bytes[i] as number;
      if (b === 32 && i > s) break;
      if (TOKEN_BYTES[b] !== 1) throw bad('a malformed request line');
    }
    for (let i = bytes.indexOf(10, s); i !== -1 && i < headEnd; i = bytes.indexOf(10, i + 1)) {
      if (bytes[i - 1] !== 13) throw bad('a bare LF in the request head');
    }
    if (headEnd - s + (whole ? 2 : 0) > maxHeaderBytes) {
      throw new RequestError(
        431,
        'OUTRIGGER_E_HEADERS_TOO_LARGE',
        `the request headers exceed listener.max_header_bytes (${maxHeaderBytes})`,
      );
    }
  }

  /** The head in `bytes[s, stop)` (its final CRLFCRLF at `stop`). */
  #parse(bytes: Buffer, s: number, stop: number): RequestHead {
    const lineStop = lineEnd(bytes, s, stop, bad);
    const first = bytes.toString('latin1', s, lineStop);
    const m = REQUEST_LINE.exec(first);
    if (m === null) {
      throw bad(HTTP_09.test(first) ? 'an HTTP/0.9 request line (no HTTP version) is not served' : 'a malformed request line');
    }
    const minor = m[3] === '1' ? 1 : 0;
    const rawHeaders: string[] = [];
    if (lineStop < stop) readFields(bytes, lineStop + 2, stop, false, rawHeaders, bad);
    let host: string | undefined;
    let hosts = 0;
    let length = -1;
    let te: string | undefined;
    let connection: string | undefined;
    let expect: string | undefined;
    let upgrade: string | undefined;
    const reject = this.limits.underscoreHeaders === 'reject';
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i] as string;
      const value = rawHeaders[i + 1] as string;
      if (reject && name.includes('_')) throw bad(`a header name with "_" (${name.slice(0, 64)})`);
      // The fields the parser reads, picked out by length first (names keep their case).
      switch (name.length) {
        case 4:
          if (sameName(name, 'host')) {
            hosts++;
            host = value;
          }
          break;
        case 6:
          if (sameName(name, 'expect')) expect = expect === undefined ? value : `${expect}, ${value}`;
          break;
        case 7:
          if (sameName(name, 'upgrade')) upgrade = upgrade === undefined ? value : `${upgrade}, ${value}`;
          break;
        case 10:
          if (sameName(name, 'connection')) connection = connection === undefined ? value : `${connection}, ${value}`;
          break;
        case 14:
          if (sameName(name, 'content-length')) {
            if (length !== -1) throw bad('more than one Content-Length');
            const n = contentLength(value);
            if (n === undefined) throw bad('an invalid Content-Length');
            length = n;
          }
          break;
        case 17:
          if (sameName(name, 'transfer-encoding')) te = te === undefined ? value : `${te}, ${value}`;
          break;
      }
    }
    if (hosts > 1) throw bad('more than one Host header');
    if (host !== undefined && !HOST.test(host))
      throw bad(host === '' ? 'an empty Host header' : 'a malformed Host header (host[:port] only)');
    if (host === undefined && minor === 1) throw bad('an HTTP/1.1 request without a Host header');
    let bodyLength = length === -1 ? 0 : length;
    if (te !== undefined) {
      // RFC 9112 §6.3: both is a smuggling signature; refuse rather than pick one. A coding
      // besides chunked could not be passed on (the pool frames bodies itself): refused too.
      if (length !== -1) throw bad('both Content-Length and Transfer-Encoding');
      if (minor === 0) throw bad('Transfer-Encoding in an HTTP/1.0 request');
      if (te.trim().toLowerCase() !== 'chunked') throw bad('a request Transfer-Encoding other than chunked');
      bodyLength = -1;
    }
    let expectContinue = false;
    if (expect !== undefined) {
      // 100-continue is the only expectation there is (RFC 9110 §10.1.1); HTTP/1.0 ignores it.
      if (expect.trim().toLowerCase() !== '100-continue') {
        throw new RequestError(417, 'OUTRIGGER_E_EXPECTATION_FAILED', 'only "Expect: 100-continue" is supported');
      }
      expectContinue = minor === 1;
    }
    const tokens = connection?.toLowerCase();
    const keepAlive =
      minor === 1 ? !(tokens !== undefined && hasToken(tokens, 'close')) : tokens !== undefined && hasToken(tokens, 'keep-alive');
    return {
      method: m[1] as string,
      target: m[2] as string,
      minor,
      rawHeaders,
      host,
      bodyLength,
      keepAlive,
      expectContinue,
      upgrade: tokens !== undefined && upgrade !== undefined && hasToken(tokens, 'upgrade') && hasToken(upgrade.toLowerCase(), 'websocket'),
    };
  }
}
