/**
 * One exchange on the wire: caller → (negotiate, walk the request) → upstream → (walk the
 * response) → caller. Bodies are buffered only when a change applies to them and they are JSON;
 * everything else streams through byte for byte.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import { type BufferBudget, type Lease, Overloaded } from './body/budget.js';
import { BodyCollector, TooLarge } from './body/collect.js';
import { isJsonType } from './body/content-type.js';
import { type Coding, decode, encode, parseCoding, TooLargeError } from './body/encoding.js';
import { parseJson, serialiseJson } from './body/json.js';
import { readCapped } from './body/read.js';
import type { AdapterConfig } from './config.js';
import type { Engine, Exchange, OutgoingResponse } from './engine.js';
import { AdapterError } from './errors.js';
import { compact, toRawHeaders } from './headers.js';
import type { AdapterMetrics } from './metrics.js';
import type { Headers } from './operation/types.js';

export interface ProxyDeps {
  engine: Engine;
  pool: Pool;
  metrics: AdapterMetrics;
  logger: Logger;
  body: AdapterConfig['body'];
  /** Bytes buffered by all exchanges together (`body.max_buffered_bytes`). */
  budget: BufferBudget;
  /** One `access` log line per exchange (path without the query). */
  accessLog: boolean;
  /** True while draining: responses carry `Connection: close`. */
  draining(): boolean;
}

/** The path of a request target without its query (queries often carry tokens): what logs show. */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/** Re-joins a partly read stream: what was read, then the rest. */
function rejoin(head: Buffer[], rest: Readable): Readable {
  const out = new PassThrough();
  for (const c of head) out.write(c);
  rest.pipe(out);
  rest.resume();
  rest.on('error', (err) => out.destroy(err));
  return out;
}

const overloaded = () =>
  new AdapterError(
    'OUTRIGGER_E_ADAPTER_OVERLOADED',
    'the adapter is buffering as much as body.max_buffered_bytes allows; retry later',
    503,
  );

export class AdapterProxy {
  private readonly deps: ProxyDeps;

  constructor(deps: ProxyDeps) {
    this.deps = deps;
  }

  /** The request handler. Never throws: every failure becomes a response or a closed socket. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.deps.accessLog) this.logAccess(req, res);
    this.exchange(req, res).catch((err) => {
      this.deps.logger.error(
        { err, code: 'OUTRIGGER_E_ADAPTER_INTERNAL', path: pathOnly(req.url ?? '/') },
        'unexpected failure in an exchange',
      );
      if (!res.headersSent) this.fail(res, new AdapterError('OUTRIGGER_E_ADAPTER_INTERNAL', 'internal error in the adapter', 502));
      else res.destroy();
    });
  };

  private logAccess(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    res.once('close', () => {
      this.deps.logger.info(
        {
          method: req.method,
          path: pathOnly(req.url ?? '/'),
          status: res.statusCode,
          complete: res.writableFinished,
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        },
        'access',
      );
    });
  }

  private fail(res: ServerResponse, err: AdapterError, exchange?: Exchange): void {
    const { engine, metrics } = this.deps;
    metrics.errors.inc({ code: err.code });
    metrics.requests.inc({ version: exchange?.callerVersion ?? 'unknown', status_class: statusClass(err.status) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const out = engine.errorResponse(err, exchange);
    if (err.code === 'OUTRIGGER_E_ADAPTER_OVERLOADED') out.headers['retry-after'] = '1';
    if (this.deps.draining()) out.headers.connection = 'close';
    res.writeHead(out.status, toRawHeaders(out.headers));
    res.end(out.body);
  }

  private async exchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { engine, metrics, logger } = this.deps;
    let exchange: Exchange;
    try {
      exchange = engine.begin({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
      });
    } catch (err) {
      if (err instanceof AdapterError) return this.fail(res, err);
      throw err;
    }
    const rejected = exchange.rejected;
    if (rejected) return this.fail(res, rejected, exchange);
    const lease = this.deps.budget.lease();
    res.once('close', () => lease.release());
    for (const s of exchange.plan.steps)
      metrics.changes.inc({ version: s.change.version, change: `${s.change.version}#${s.change.index}` });

    // ---- request body --------------------------------------------------------------------
    const up = exchange.upstream;
    let body: Readable | Buffer | string | null = null;
    if (hasBody(req)) {
      if (exchange.transformsRequestBody && isJsonType(req.headers['content-type'])) {
        const prepared = await this.requestBody(req, res, exchange, lease);
        if (prepared === undefined) return;
        body = prepared;
      } else {
        body = req;
      }
    }

    // ---- upstream and response ------------------------------------------------------------
    // undici's stream(): the response head is handled synchronously in the factory, which
    // returns where the body goes: straight into `res` (untouched), or into a collector when it
    // is to be transformed. No intermediate Readable on the pass-through path.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let out: OutgoingResponse | undefined;
    let collector: BodyCollector | undefined;
    let headError: unknown;
    try {
      await this.deps.pool.stream(
        { method: up.method as Dispatcher.HttpMethod, path: up.target, headers: compact(up.headers), body, signal: controller.signal },
        ({ statusCode, headers }) => {
          try {
            out = exchange.response(statusCode, headers as Headers);
          } catch (err) {
            headError = err;
            controller.abort();
            return res;
          }
          const o = out;
          if (this.deps.draining()) o.headers.connection = 'close';
          const json = o.parse && isJsonType(o.headers['content-type']);
          if (json && parseCoding(o.headers['content-encoding']) === undefined) {
            metrics.passThrough.inc({ message: 'response', reason: 'unsupported_encoding' });
          } else if (json) {
            collector = new BodyCollector(
              this.deps.body.max_bytes,
              () => {
                if (this.deps.body.on_too_large !== 'pass_through') return undefined;
                metrics.passThrough.inc({ message: 'response', reason: 'too_large' });
                this.writeHead(res, o, exchange);
                return res;
              },
              lease.take,
            );
            return collector;
          } else if (o.parse) metrics.passThrough.inc({ message: 'response', reason: 'not_json' });
          this.writeHead(res, o, exchange);
          return res;
        },
      );
    } catch (err) {
      if (headError !== undefined) {
        if (headError instanceof AdapterError) return this.fail(res, headError, exchange);
        throw headError;
      }
      if (err instanceof Overloaded) return this.fail(res, overloaded(), exchange);
      if (err instanceof TooLarge) {
        return this.fail(
          res,
          new AdapterError(
            'OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE',
            `the upstream's response body is larger than body.max_bytes (${this.deps.body.max_bytes} bytes)`,
            502,
          ),
          exchange,
        );
      }
      if (res.headersSent || controller.signal.aborted) {
        // Mid-body failure or the caller went away: nothing sensible can be sent any more.
        if (!res.destroyed && !res.writableEnded) res.destroy();
        return;
      }
      const code = (err as { code?: string }).code;
      logger.warn({ err: { message: (err as Error).message, code }, path: pathOnly(up.target) }, 'upstream request failed');
      return this.fail(
        res,
        code === 'UND_ERR_HEADERS_TIMEOUT'
          ? new AdapterError('OUTRIGGER_E_ADAPTER_UPSTREAM_TIMEOUT', 'the upstream did not answer in time', 504, { cause: err })
          : new AdapterError(
              'OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE',
              `the upstream is unavailable (${code ?? (err as Error).message})`,
              502,
              { cause: err },
            ),
        exchange,
      );
    }
    const c = collector as BodyCollector | undefined;
    if (c && !c.forwarding && out) await this.responseBody(c.body(), res, exchange, out, lease);
  }

  private writeHead(res: ServerResponse, out: OutgoingResponse, exchange: Exchange): void {
    this.deps.metrics.requests.inc({ version: exchange.callerVersion, status_class: statusClass(out.status) });
    res.writeHead(out.status, toRawHeaders(out.headers));
  }

  private send(res: ServerResponse, out: OutgoingResponse, exchange: Exchange, payload: Buffer | string): void {
    this.deps.metrics.requests.inc({ version: exchange.callerVersion, status_class: statusClass(out.status) });
    out.headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(out.status, toRawHeaders(out.headers));
    res.end(payload);
  }

  /** Reads, decodes, transforms and re-encodes a request body; undefined when it answered already. */
  private async requestBody(
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    lease: Lease,
  ): Promise<Readable | Buffer | string | undefined> {
    const { metrics, body: cfg } = this.deps;
    const headers = exchange.upstream.headers;
    const coding = parseCoding(req.headers['content-encoding']);
    if (coding === undefined) {
      metrics.passThrough.inc({ message: 'request', reason: 'unsupported_encoding' });
      return req;
    }
    const tooLarge = () =>
      new AdapterError(
        'OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE',
        `the request body is larger than body.max_bytes (${cfg.max_bytes} bytes)`,
        413,
      );
    let read: Awaited<ReturnType<typeof readCapped>>;
    try {
      read = await readCapped(req, cfg.max_bytes, lease.take);
    } catch {
      // The caller went away mid-body (or the listener answered its stall): nothing more to send.
      if (!res.writableEnded) res.destroy();
      return undefined;
    }
    if (read.kind === 'refused') {
      read.rest.resume();
      this.fail(res, overloaded(), exchange);
      return undefined;
    }
    if (read.kind === 'overflow') {
      if (cfg.on_too_large === 'pass_through') {
        metrics.passThrough.inc({ message: 'request', reason: 'too_large' });
        return rejoin(read.head, read.rest);
      }
      // Refuse, and discard the rest of the upload as it arrives (nothing more is kept). The
      // connection stays open: closing it mid-upload would make clients miss the 413.
      read.rest.resume();
      this.fail(res, tooLarge(), exchange);
      return undefined;
    }
    const started = process.hrtime.bigint();
    let decoded: Buffer;
    try {
      decoded = await decode(read.body, coding, cfg.max_bytes);
      if (decoded !== read.body && !lease.take(decoded.length)) throw new Overloaded();
    } catch (err) {
      if (err instanceof Overloaded) {
        this.fail(res, overloaded(), exchange);
        return undefined;
      }
      if (err instanceof TooLargeError) {
        if (cfg.on_too_large === 'pass_through') {
          metrics.passThrough.inc({ message: 'request', reason: 'too_large' });
          return read.body;
        }
        this.fail(res, tooLarge(), exchange);
        return undefined;
      }
      this.fail(
        res,
        new AdapterError('OUTRIGGER_E_ADAPTER_BAD_ENCODING', `the request body is not valid ${coding}: ${(err as Error).message}`, 400),
        exchange,
      );
      return undefined;
    }
    const parsed = parseJson(decoded);
    if (!parsed.ok) {
      this.fail(
        res,
        new AdapterError('OUTRIGGER_E_ADAPTER_MALFORMED_JSON', `the request body is not valid JSON: ${parsed.error}`, 400),
        exchange,
      );
      return undefined;
    }
    let doc: unknown;
    try {
      doc = await exchange.requestBody(parsed.doc);
    } catch (err) {
      if (err instanceof AdapterError) {
        this.fail(res, err, exchange);
        return undefined;
      }
      throw err;
    }
    const payload = await encode(serialiseJson(doc), coding);
    metrics.transformSeconds.observe({ message: 'request' }, Number(process.hrtime.bigint() - started) / 1e9);
    headers['content-length'] = String(Buffer.byteLength(payload));
    headers['transfer-encoding'] = undefined;
    return payload;
  }

  private async responseBody(
    original: Buffer,
    res: ServerResponse,
    exchange: Exchange,
    out: OutgoingResponse,
    lease: Lease,
  ): Promise<void> {
    const { metrics, body: cfg, logger } = this.deps;
    const coding: Coding | undefined = parseCoding(out.headers['content-encoding']);
    if (coding === undefined) {
      metrics.passThrough.inc({ message: 'response', reason: 'unsupported_encoding' });
      return this.send(res, out, exchange, original);
    }
    const tooLarge = () =>
      new AdapterError(
        'OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE',
        `the upstream's response body is larger than body.max_bytes (${cfg.max_bytes} bytes)`,
        502,
      );
    const passThrough = (reason: 'malformed_json' | 'too_large') => {
      metrics.passThrough.inc({ message: 'response', reason });
      this.send(res, out, exchange, original);
    };
    const started = process.hrtime.bigint();
    let decoded: Buffer;
    try {
      decoded = await decode(original, coding, cfg.max_bytes);
      if (decoded !== original && !lease.take(decoded.length)) throw new Overloaded();
    } catch (err) {
      if (err instanceof Overloaded) return this.fail(res, overloaded(), exchange);
      if (err instanceof TooLargeError) {
        if (cfg.on_too_large === 'pass_through') return passThrough('too_large');
        return this.fail(res, tooLarge(), exchange);
      }
      metrics.passThrough.inc({ message: 'response', reason: 'bad_encoding' });
      logger.warn(
        { code: 'OUTRIGGER_E_ADAPTER_BAD_ENCODING', coding, path: pathOnly(exchange.upstream.target) },
        'upstream response body could not be decoded; passed through',
      );
      return this.send(res, out, exchange, original);
    }
    const parsed = parseJson(decoded);
    if (!parsed.ok) {
      logger.warn(
        { code: 'OUTRIGGER_E_ADAPTER_UPSTREAM_MALFORMED_JSON', path: pathOnly(exchange.upstream.target), error: parsed.error },
        'upstream response is not valid JSON',
      );
      if (cfg.strict) {
        return this.fail(
          res,
          new AdapterError(
            'OUTRIGGER_E_ADAPTER_UPSTREAM_MALFORMED_JSON',
            `the upstream's response is not valid JSON: ${parsed.error}`,
            502,
          ),
          exchange,
        );
      }
      return passThrough('malformed_json');
    }
    let doc: unknown;
    try {
      doc = await exchange.responseBody(parsed.doc, out);
    } catch (err) {
      if (err instanceof AdapterError) return this.fail(res, err, exchange);
      throw err;
    }
    const payload = await encode(serialiseJson(doc), coding);
    metrics.transformSeconds.observe({ message: 'response' }, Number(process.hrtime.bigint() - started) / 1e9);
    out.headers['transfer-encoding'] = undefined;
    this.send(res, out, exchange, payload);
  }
}
