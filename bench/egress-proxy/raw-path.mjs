#!/usr/bin/env node
// A measured prototype of the egress-proxy's data path on raw `net` sockets (issue 12,
// "Performance"): no Node HTTP server, no undici. It is what the profile said the CPU goes to —
// two HTTP stacks, each allocating per request and per read — taken out, with RFC 9112's framing
// rules kept (`raw-path-check.mjs` throws the listener's hygiene/smuggling cases at it).
//
// What it does: HTTP/1.1 keep-alive from the app; a strict request-head parser (request line,
// field syntax, no obs-fold, no bare CR/LF, one Host, CL/TE rules, 414/431/417); request bodies
// streamed (Content-Length, or chunked validated chunk by chunk and passed on as is); a pool of
// keep-alive upstream sockets per endpoint, each reading into its own reused buffer (`onread`), so
// a read allocates nothing; a strict response-head parser; response bodies streamed with backpressure;
// the response head and the first body bytes in one write (cork); hop-by-hop headers dropped both
// ways, Via and a request id added; one socket timeout per connection instead of timers per request;
// a GET found dead on a reused connection before any response byte is retried once; the shipped
// path's two per-request metrics (prom-client counter and histogram); the headers timeout (408) for a client trickling its head, from one sweep over the heads in
// progress. Not in it (the shipped path keeps them): routes, retries beyond that, circuit
// breakers, access log, TLS origination, forward mode, CONNECT, Upgrade (answered 501 here).
//
// Usage: node raw-path.mjs LISTEN_PORT UPSTREAM_PORT   (upstream on 127.0.0.1; bench use only)
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
// One file of the runtime, not its index (which loads the admin server, logger, ...): `npm run build` first.
import { connectionTokens, hopByHopHeaders } from '../../packages/runtime/dist/src/hop-by-hop.js';

// The shipped path's per-request metrics, same shapes (a counter by status class, a histogram),
// so the prototype pays what the sidecar pays for them.
const { Counter, Histogram, Registry } = createRequire(new URL('../../packages/egress-proxy/package.json', import.meta.url))('prom-client');
const registry = new Registry();
const requests = new Counter({
  name: 'outrigger_egress_requests_total',
  help: 'requests',
  labelNames: ['route', 'cluster', 'status_class'],
  registers: [registry],
});
const byClass = [0, 1, 2, 3, 4, 5].map((c) => requests.labels('up', 'up', `${c}xx`));
const duration = new Histogram({
  name: 'outrigger_egress_request_duration_seconds',
  help: 'duration',
  labelNames: ['route'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
}).labels('up');

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_REQUEST_LINE_BYTES = 8192;
const UPSTREAM_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 60_000;
const APP_KEEPALIVE_MS = 5_000;
let headersTimeoutMs = 10_000;

/**
 * App connections whose request head has started and not ended: one sweep for all of them (a
 * client trickling its head resets its socket timeout with every byte, so that cannot catch it).
 * A head that arrives in one read is never in here.
 */
const heads = new Set();
let sweep;
function watchHead(c) {
  heads.add(c);
  sweep ??= setInterval(
    () => {
      const now = performance.now();
      for (const h of heads) if (now - h.headStartedAt > headersTimeoutMs) h.headTimeout();
      if (heads.size === 0) {
        clearInterval(sweep);
        sweep = undefined;
      }
    },
    Math.min(1000, headersTimeoutMs),
  ).unref();
}
const VIA = '1.1 outrigger';
const REQUEST_ID = 'x-request-id';

// RFC 9110 §5.6.2 token, §5.5 field value (VCHAR, obs-text, SP, HTAB), RFC 9112 §3 request line.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const ACCEPTABLE_ID = /^[\x21-\x7e]{1,200}$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;
const DIGITS = /^\d{1,15}$/;
// Hop-by-hop names (the runtime's list) and what the proxy sets itself.
const HOP_BY_HOP = new Set([...hopByHopHeaders, 'host', 'content-length', 'expect', 'via']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** Splits a head (without its final CRLFCRLF) into lines; a bare CR or LF is a framing error. */
function headLines(text, status) {
  const lines = text.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.indexOf('\n') !== -1 || l.indexOf('\r') !== -1) throw new HttpError(status, 'a bare CR or LF in the head');
  }
  return lines;
}

/**
 * Field lines → flat [name, value, lowerName, ...] and the framing they declare. Strict: no
 * obs-fold, no whitespace before the colon, token names, clean values, at most one
 * Content-Length (digits only), Transfer-Encoding only with `chunked` last and never with CL.
 */
function parseFields(lines, status) {
  const fields = [];
  let length = -1;
  let te;
  let connection;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) throw new HttpError(status, 'obs-fold (a field line starting with whitespace)');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpError(status, 'a field line without a name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpError(status, 'an invalid field name');
    let s = colon + 1;
    let e = line.length;
    while (s < e && (line.charCodeAt(s) === 32 || line.charCodeAt(s) === 9)) s++;
    while (e > s && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
    const value = line.slice(s, e);
    if (!FIELD_VALUE.test(value)) throw new HttpError(status, 'an invalid field value');
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (length !== -1 || !DIGITS.test(value)) throw new HttpError(status, 'a duplicate or invalid Content-Length');
      length = Number(value);
    } else if (lower === 'transfer-encoding') {
      te = te === undefined ? value : `${te}, ${value}`;
    } else if (lower === 'connection') {
      connection = connection === undefined ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`;
    }
    fields.push(name, value, lower);
  }
  let chunked = false;
  if (te !== undefined) {
    if (length !== -1) throw new HttpError(status, 'both Content-Length and Transfer-Encoding');
    const codings = te.toLowerCase().split(',');
    const last = codings[codings.length - 1].trim();
    chunked = last === 'chunked';
    for (let i = 0; i < codings.length - 1; i++) if (codings[i].trim() === 'chunked') throw new HttpError(status, 'chunked applied twice');
  }
  return { fields, length, te, chunked, connection };
}

/** The request head (latin1, without CRLFCRLF): everything the proxy needs, or an HttpError. */
export function parseRequestHead(text) {
  const lines = headLines(text, 400);
  const first = lines[0];
  if (first.length > MAX_REQUEST_LINE_BYTES) throw new HttpError(414, 'the request line is too long');
  const m = REQUEST_LINE.exec(first);
  if (m === null) throw new HttpError(400, /^\S+ \S+$/.test(first) ? 'an HTTP/0.9 request line' : 'a malformed request line');
  const head = parseFields(lines, 400);
  if (head.te !== undefined && !head.chunked) throw new HttpError(400, 'a request Transfer-Encoding other than chunked');
  let host;
  let expect;
  for (let i = 0; i < head.fields.length; i += 3) {
    const lower = head.fields[i + 2];
    if (lower === 'host') {
      if (host !== undefined) throw new HttpError(400, 'more than one Host header');
      host = head.fields[i + 1];
      if (!HOST.test(host)) throw new HttpError(400, 'a malformed Host header');
    } else if (lower === 'expect') {
      expect = head.fields[i + 1];
    }
  }
  if (host === undefined && m[3] === '1') throw new HttpError(400, 'no Host header');
  let continues = false;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') throw new HttpError(417, 'only "Expect: 100-continue" is supported');
    continues = true;
  }
  const c = head.connection;
  const keepAlive = m[3] === '1' ? !(c !== undefined && /(?:^|,)\s*close\s*(?:,|$)/.test(c)) : c !== undefined && /keep-alive/.test(c);
  const upgrade = c !== undefined && /(?:^|,)\s*upgrade\s*(?:,|$)/.test(c);
  return { method: m[1], target: m[2], host, ...head, continues, keepAlive, upgrade };
}

/** The response head: status, fields, framing. */
export function parseResponseHead(text) {
  const lines = headLines(text, 502);
  const m = STATUS_LINE.exec(lines[0]);
  if (m === null) throw new HttpError(502, 'a malformed status line');
  const head = parseFields(lines, 502);
  const c = head.connection;
  const keepAlive = m[1] === '1' ? !(c !== undefined && /(?:^|,)\s*close\s*(?:,|$)/.test(c)) : c !== undefined && /keep-alive/.test(c);
  return { status: Number(m[2]), reason: m[3] ?? '', ...head, keepAlive };
}

/** Names listed in Connection (hop-by-hop too), or undefined for the common values. */
function connectionNames(connection) {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  return connectionTokens(connection);
}

/**
 * Strict chunked framing (RFC 9112 §7.1), validated as bytes pass: `feed` returns how many bytes
 * of `buf` belong to the message (all of them until the last chunk and trailers end), throws on
 * a violation. The bytes themselves are forwarded unchanged.
 */
export class ChunkedValidator {
  state = 0; // 0 size, 1 ext, 2 size LF, 3 data, 4 data CR, 5 data LF, 6 trailer line, 7 trailer LF, 8 done
  remaining = 0;
  digits = 0;
  lineBytes = 0;
  trailerEmpty = true;

  feed(buf, start, end) {
    let i = start;
    while (i < end) {
      const b = buf[i];
      switch (this.state) {
        case 0: {
          const h = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1;
          if (h >= 0) {
            if (++this.digits > 12) throw new HttpError(400, 'a chunk size too large');
            this.remaining = this.remaining * 16 + h;
          } else if (this.digits === 0) throw new HttpError(400, 'a chunk size without digits');
          else if (b === 13) this.state = 2;
          else if (b === 59 /* ; */ || b === 32 || b === 9) this.state = 1;
          else throw new HttpError(400, 'an invalid chunk size');
          i++;
          break;
        }
        case 1:
          if (b === 13) this.state = 2;
          else if (b === 10 || b < 9 || b === 127 || (b > 9 && b < 32)) throw new HttpError(400, 'an invalid chunk extension');
          else if (++this.lineBytes > 4096) throw new HttpError(400, 'a chunk extension too long');
          i++;
          break;
        case 2:
          if (b !== 10) throw new HttpError(400, 'a chunk size line without CRLF');
          i++;
          this.digits = 0;
          this.lineBytes = 0;
          if (this.remaining === 0) {
            this.state = 6;
            this.trailerEmpty = true;
          } else this.state = 3;
          break;
        case 3: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = 4;
          break;
        }
        case 4:
          if (b !== 13) throw new HttpError(400, 'chunk data not followed by CRLF');
          this.state = 5;
          i++;
          break;
        case 5:
          if (b !== 10) throw new HttpError(400, 'chunk data not followed by CRLF');
          this.state = 0;
          i++;
          break;
        case 6:
          if (b === 13) this.state = 7;
          else if (b === 10 || (b < 32 && b !== 9)) throw new HttpError(400, 'an invalid trailer line');
          else {
            if (this.trailerEmpty && (b === 32 || b === 9)) throw new HttpError(400, 'obs-fold in a trailer');
            this.trailerEmpty = false;
            if (++this.lineBytes > MAX_HEADER_BYTES) throw new HttpError(400, 'trailers too large');
          }
          i++;
          break;
        case 7:
          if (b !== 10) throw new HttpError(400, 'a trailer line without CRLF');
          i++;
          if (this.trailerEmpty) {
            this.state = 8;
            return i - start;
          }
          this.state = 6;
          this.trailerEmpty = true;
          break;
        default:
          return i - start;
      }
    }
    return i - start;
  }

  get done() {
    return this.state === 8;
  }
}

/**
 * Each upstream socket reads into its own buffer, reused read after read (`onread`): no read
 * allocates. A write that leaves a view of it queued (the app's socket did not take it all) lends
 * the buffer out: the socket's next read takes one from a free list, and the lent one goes back to
 * that list once the write is flushed. (One buffer shared by all sockets does not work: Node keeps
 * the buffer each socket was last given, so a lent buffer would still be read into.)
 */
const BUFFER_BYTES = 64 * 1024;
const free = [];
const EMPTY = Buffer.alloc(0);

function takeBuffer() {
  return free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
}

function giveBack(buffer) {
  if (free.length < 32) free.push(buffer);
}

/** After writing views of `u`'s read buffer to `socket`: lend the buffer if the socket kept them. */
function lendIfKept(socket, u) {
  if (socket.writableLength === 0 || u === undefined || u.lent) return;
  u.lent = true;
  const lent = u.buffer;
  // An empty write completes after the queued ones (or when the socket is destroyed).
  socket.write(EMPTY, () => giveBack(lent));
}

class Endpoint {
  idle = [];
  open = 0;
  waiting = [];

  constructor(host, port, maxConnections) {
    this.host = host;
    this.port = port;
    this.hostHeader = `${host}:${port}`;
    this.maxConnections = maxConnections;
  }

  /** A keep-alive connection (idle one first) for `exchange`, or queued until one frees up. */
  take(exchange) {
    while (this.idle.length > 0) {
      const u = this.idle.pop();
      if (u.socket.destroyed) continue;
      u.socket.setTimeout(UPSTREAM_TIMEOUT_MS);
      u.attach(exchange, true);
      return;
    }
    if (this.open >= this.maxConnections) {
      this.waiting.push(exchange);
      return;
    }
    new Upstream(this).attach(exchange, false);
  }

  release(u) {
    let next = this.waiting.shift();
    while (next?.socket.destroyed) next = this.waiting.shift();
    if (next !== undefined) {
      u.attach(next, true);
      return;
    }
    u.socket.setTimeout(IDLE_TIMEOUT_MS);
    this.idle.push(u);
  }
}

/** One upstream keep-alive connection: writes request heads, parses response heads and framing. */
class Upstream {
  exchange = undefined;
  head = undefined; // partial response head bytes (copied)
  remaining = 0; // Content-Length bytes left
  chunked = undefined;
  untilClose = false;
  /** The read buffer, and whether a queued write still holds a view of it. */
  buffer = undefined;
  lent = false;
  reusable = true;
  gotBytes = false;

  constructor(endpoint) {
    this.endpoint = endpoint;
    endpoint.open++;
    this.socket = net.connect({
      host: endpoint.host,
      port: endpoint.port,
      noDelay: true,
      onread: { buffer: () => this.nextBuffer(), callback: (n, buf) => this.onRead(buf, n) },
    });
    this.socket.setTimeout(UPSTREAM_TIMEOUT_MS);
    this.socket.on('timeout', () => this.socket.destroy(new Error('upstream timeout')));
    this.socket.on('error', () => {});
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
    this.socket.resume();
  }

  /** The buffer for the next read: this socket's own, or a fresh one when that one is lent out. */
  nextBuffer() {
    if (this.buffer === undefined || this.lent) {
      this.lent = false;
      this.buffer = takeBuffer();
    }
    return this.buffer;
  }

  attach(exchange, reused) {
    this.exchange = exchange;
    this.reused = reused;
    this.gotBytes = false;
    this.head = undefined;
    exchange.upstream = this;
    exchange.sendHead(this.socket);
  }

  onRead(buf, n) {
    const x = this.exchange;
    if (x === undefined) {
      // Bytes on an idle connection: it cannot be trusted for the next request.
      this.socket.destroy();
      return false;
    }
    this.gotBytes = true;
    let at = 0;
    try {
      while (at < n && this.exchange !== undefined) {
        if (this.chunked === undefined && this.remaining === 0 && !this.untilClose) at = this.readHead(buf, at, n);
        else at = this.readBody(buf, at, n);
      }
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (at < n) this.socket.destroy(); // bytes after a response: not a connection to reuse
    return !x.appPaused;
  }

  readHead(buf, at, n) {
    let bytes = buf.subarray(at, n);
    if (this.head !== undefined) bytes = Buffer.concat([this.head, bytes]);
    const end = bytes.indexOf('\r\n\r\n');
    if (end === -1 || end > MAX_HEADER_BYTES) {
      // A head ended by bare LFs never ends by CRLFCRLF: refused now, not at the timeout.
      if (bytes.indexOf('\n\n') !== -1) throw new HttpError(502, 'a bare LF in the response head');
      if (end !== -1 || bytes.length > MAX_HEADER_BYTES) throw new HttpError(502, 'the response head is too large');
      this.head = Buffer.from(bytes); // a copy: the read buffer is reused
      return n;
    }
    const consumedFromBuf = end + 4 - (this.head === undefined ? 0 : this.head.length);
    const text = bytes.latin1Slice(0, end);
    this.head = undefined;
    const res = parseResponseHead(text);
    const x = this.exchange;
    if (res.status < 200) {
      if (res.status === 101) throw new HttpError(502, 'an upgrade the app did not ask for');
      return at + consumedFromBuf; // 100/103: read on to the final response
    }
    this.reusable = res.keepAlive;
    const bodyless = x.method === 'HEAD' || res.status === 204 || res.status === 304;
    let framing;
    if (bodyless) framing = 'none';
    else if (res.chunked) {
      this.chunked = new ChunkedValidator();
      framing = 'chunked';
    } else if (res.length >= 0) {
      this.remaining = res.length;
      framing = res.length === 0 ? 'none' : 'length';
    } else {
      // No framing: the body runs to the close (then the app's connection closes too).
      this.untilClose = true;
      this.reusable = false;
      framing = 'close';
    }
    x.respond(res, framing);
    if (framing === 'none') {
      this.finish();
      return at + consumedFromBuf;
    }
    return this.readBody(buf, at + consumedFromBuf, n, true);
  }

  readBody(buf, at, n, first = false) {
    const x = this.exchange;
    let take;
    if (this.chunked !== undefined) take = this.chunked.feed(buf, at, n);
    else if (this.untilClose) take = n - at;
    else take = Math.min(this.remaining, n - at);
    if (!this.untilClose && this.chunked === undefined) this.remaining -= take;
    const done = this.chunked !== undefined ? this.chunked.done : !this.untilClose && this.remaining === 0;
    if (take > 0 || first) x.body(buf.subarray(at, at + take), done);
    if (done) {
      this.chunked = undefined;
      this.finish();
    }
    return at + take;
  }

  finish() {
    const x = this.exchange;
    this.exchange = undefined;
    x.upstream = undefined;
    x.responseDone();
    if (this.reusable && !this.socket.destroyed) this.endpoint.release(this);
    else this.socket.destroy();
  }

  fail(err) {
    // Framing errors found in a response are the upstream's (502), whatever the validator says.
    if (err instanceof HttpError && err.status === 400) err.status = 502;
    const x = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    if (x !== undefined) {
      x.upstream = undefined;
      x.upstreamFailed(err, this.reused && !this.gotBytes);
    }
  }

  onEnd() {
    if (this.untilClose && this.exchange !== undefined) {
      const x = this.exchange;
      this.untilClose = false;
      x.body(Buffer.alloc(0), true);
      this.finish();
      return;
    }
    this.fail(new HttpError(502, 'the upstream closed the connection'));
  }

  onClose() {
    this.endpoint.open--;
    if (this.buffer !== undefined && !this.lent) giveBack(this.buffer);
    this.buffer = undefined;
    const i = this.endpoint.idle.indexOf(this);
    if (i !== -1) this.endpoint.idle.splice(i, 1);
    if (this.exchange !== undefined) this.fail(new HttpError(502, 'the upstream closed the connection'));
    const next = this.endpoint.waiting.shift();
    if (next !== undefined) this.endpoint.take(next);
  }
}

/** One app connection: parses requests one at a time, streams each through an Upstream. */
class AppConnection {
  pending = undefined; // bytes received and not yet handled (copied)
  req = undefined;
  upstream = undefined;
  bodyLeft = 0;
  bodyChunked = undefined;
  requestDone = false;
  responding = false;
  appPaused = false;
  closeAfter = false;
  framing = undefined;
  headStartedAt = 0;

  constructor(socket, endpoint) {
    this.socket = socket;
    this.endpoint = endpoint;
    socket.setNoDelay(true);
    socket.setTimeout(APP_KEEPALIVE_MS);
    socket.on('timeout', () => {
      if (this.req === undefined) socket.destroy();
    });
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      heads.delete(this);
      this.dropUpstream();
    });
    socket.on('drain', () => {
      if (this.appPaused) {
        this.appPaused = false;
        this.upstream?.socket.resume();
      }
    });
  }

  onData(d) {
    let buf = this.pending === undefined ? d : Buffer.concat([this.pending, d]);
    this.pending = undefined;
    try {
      while (buf.length > 0) {
        if (this.req === undefined) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) {
            if (buf.indexOf('\n\n') !== -1) throw new HttpError(400, 'a bare LF in the request head');
            if (buf.length > MAX_HEADER_BYTES) {
              const nl = buf.indexOf(10);
              throw new HttpError(nl === -1 || nl > MAX_REQUEST_LINE_BYTES ? 414 : 431, 'the request head is too large');
            }
            this.pending = buf;
            if (this.headStartedAt === 0) {
              this.headStartedAt = performance.now();
              watchHead(this);
            }
            return;
          }
          if (this.headStartedAt !== 0) {
            this.headStartedAt = 0;
            heads.delete(this);
          }
          if (end + 4 > MAX_HEADER_BYTES)
            throw new HttpError(buf.indexOf(10) > MAX_REQUEST_LINE_BYTES ? 414 : 431, 'the request head is too large');
          this.startRequest(parseRequestHead(buf.latin1Slice(0, end)));
          buf = buf.subarray(end + 4);
          continue;
        }
        if (this.requestDone) {
          // The next request (pipelined): held until this response is done.
          this.pending = buf;
          this.socket.pause();
          return;
        }
        buf = buf.subarray(this.requestBody(buf));
      }
    } catch (err) {
      this.refuse(err);
    }
  }

  startRequest(req) {
    if (req.upgrade || req.method === 'CONNECT') throw new HttpError(501, 'the prototype leaves Upgrade and CONNECT to the shipped path');
    if (req.target.charCodeAt(0) !== 47) throw new HttpError(501, 'the prototype takes origin-form targets only');
    this.req = req;
    this.startedAt = performance.now();
    this.closeAfter = !req.keepAlive;
    this.bodyLeft = req.chunked ? 0 : Math.max(0, req.length);
    this.bodyChunked = req.chunked ? new ChunkedValidator() : undefined;
    this.requestDone = this.bodyChunked === undefined && this.bodyLeft === 0;
    this.endpoint.take(this);
  }

  /** Upstream head: the app's end-to-end fields, minus `_` names, plus Via and the request id. */
  sendHead(socket) {
    const req = this.req;
    const named = connectionNames(req.connection);
    let head = `${req.method} ${req.target} HTTP/1.1\r\nhost: ${this.endpoint.hostHeader}\r\n`;
    let id;
    let via;
    const f = req.fields;
    for (let i = 0; i < f.length; i += 3) {
      const lower = f[i + 2];
      if (HOP_BY_HOP.has(lower) || named?.has(lower) === true || lower.indexOf('_') !== -1) {
        if (lower === 'via') via = via === undefined ? f[i + 1] : `${via}, ${f[i + 1]}`;
        continue;
      }
      if (lower === REQUEST_ID) {
        if (ACCEPTABLE_ID.test(f[i + 1])) id = f[i + 1];
        continue;
      }
      head += `${f[i]}: ${f[i + 1]}\r\n`;
    }
    this.requestId = id ?? randomUUID();
    head += `${REQUEST_ID}: ${this.requestId}\r\nvia: ${via === undefined ? VIA : `${via}, ${VIA}`}\r\n`;
    if (this.bodyChunked !== undefined) head += 'transfer-encoding: chunked\r\n';
    else if (req.length >= 0) head += `content-length: ${req.length}\r\n`;
    socket.write(`${head}\r\n`, 'latin1');
    if (req.continues && !this.requestDone) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    if (this.pending !== undefined && !this.requestDone) {
      // Body bytes that came with the head, before the connection was there.
      const p = this.pending;
      this.pending = undefined;
      this.socket.resume();
      this.onData(p);
    }
  }

  /** Streams body bytes to the upstream; returns how many belonged to this request. */
  requestBody(buf) {
    const u = this.upstream;
    if (u === undefined) {
      // No connection yet: keep the bytes (bounded by the app's pause).
      this.pending = Buffer.from(buf);
      this.socket.pause();
      return buf.length;
    }
    let take;
    if (this.bodyChunked !== undefined) {
      take = this.bodyChunked.feed(buf, 0, buf.length);
      if (this.bodyChunked.done) this.requestDone = true;
    } else {
      take = Math.min(this.bodyLeft, buf.length);
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) this.requestDone = true;
    }
    if (take > 0 && !u.socket.write(buf.subarray(0, take))) {
      this.socket.pause();
      u.socket.once('drain', () => this.socket.resume());
    }
    return take;
  }

  /** The response head to the app (held until the first body bytes, to go out in one write). */
  respond(res, framing) {
    this.responding = true;
    this.status = res.status;
    this.framing = framing;
    const named = connectionNames(res.connection);
    let head = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
    let via;
    const f = res.fields;
    for (let i = 0; i < f.length; i += 3) {
      const lower = f[i + 2];
      if (HOP_BY_HOP.has(lower) || named?.has(lower) === true) {
        if (lower === 'via') via = via === undefined ? f[i + 1] : `${via}, ${f[i + 1]}`;
        continue;
      }
      head += `${f[i]}: ${f[i + 1]}\r\n`;
    }
    head += `via: ${via === undefined ? VIA : `${via}, ${VIA}`}\r\n`;
    if (framing === 'chunked') head += 'transfer-encoding: chunked\r\n';
    else if (res.length >= 0) head += `content-length: ${res.length}\r\n`;
    if (framing === 'close' || this.closeAfter || !this.requestDone) {
      // A body that ends at the close, or a request still arriving: this connection ends here.
      head += 'connection: close\r\n';
      this.closeAfter = true;
    }
    this.responseHead = `${head}\r\n`;
  }

  body(view, done) {
    const s = this.socket;
    let ok;
    if (this.responseHead !== undefined) {
      s.cork();
      s.write(this.responseHead, 'latin1');
      this.responseHead = undefined;
      ok = view.length > 0 ? s.write(view) : true;
      s.uncork();
    } else ok = s.write(view);
    lendIfKept(s, this.upstream);
    if (!ok && !done) this.appPaused = true;
  }

  responseDone() {
    byClass[Math.floor(this.status / 100)]?.inc();
    duration.observe((performance.now() - this.startedAt) / 1000);
    if (this.responseHead !== undefined) {
      this.socket.write(this.responseHead, 'latin1');
      this.responseHead = undefined;
    }
    this.req = undefined;
    this.responding = false;
    if (this.closeAfter) {
      this.socket.end();
      return;
    }
    this.appPaused = false;
    if (this.pending !== undefined) {
      const p = this.pending;
      this.pending = undefined;
      this.socket.resume();
      this.onData(p);
    } else this.socket.resume();
  }

  upstreamFailed(err, retriable) {
    if (this.responding && this.responseHead !== undefined) {
      // The head is still held back (no byte went to the app): the app gets a clean 502.
      this.responseHead = undefined;
      this.responding = false;
      this.closeAfter = true;
    }
    if (this.responding) {
      // Part of the response is out: the only honest signal left is a reset.
      this.socket.destroy();
      return;
    }
    if (retriable && IDEMPOTENT.has(this.req.method) && this.req.length <= 0 && !this.req.chunked && !this.retried) {
      this.retried = true;
      this.endpoint.take(this);
      return;
    }
    this.refuse(err instanceof HttpError ? err : new HttpError(502, err.message));
  }

  /** The request head did not arrive in time (listener.headers_timeout_ms): 408. */
  headTimeout() {
    heads.delete(this);
    this.headStartedAt = 0;
    this.refuse(new HttpError(408, 'the request headers did not arrive in time'));
  }

  /** The exchange ends on the app's side: its upstream connection cannot be reused mid-way. */
  dropUpstream() {
    const u = this.upstream;
    if (u === undefined) return;
    this.upstream = undefined;
    u.exchange = undefined;
    u.socket.destroy();
  }

  refuse(err) {
    const status = err instanceof HttpError ? err.status : 400;
    this.dropUpstream();
    if (this.responding) {
      this.socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: { status, detail: err.message } });
    this.socket.end(
      `HTTP/1.1 ${status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    this.socket.destroySoon();
  }
}

export function startRawProxy(listenPort, upstreamPort, host = '127.0.0.1', options = {}) {
  if (options.headersTimeoutMs !== undefined) headersTimeoutMs = options.headersTimeoutMs;
  const endpoint = new Endpoint(host, upstreamPort, 1024);
  const server = net.createServer({ noDelay: true }, (socket) => new AppConnection(socket, endpoint));
  return new Promise((resolve) => server.listen(listenPort, host, () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [, , listenPort, upstreamPort] = process.argv;
  await startRawProxy(Number(listenPort), Number(upstreamPort));
}
