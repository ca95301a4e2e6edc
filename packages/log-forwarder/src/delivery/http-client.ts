/**
 * The HTTP transport of every HTTP sink: one undici `Pool` per endpoint origin (keep-alive,
 * `concurrency` connections), TLS from the runtime's `TlsFiles`, optional gzip, and every failure
 * turned into a clear one-line reason. When the TLS files change, the next request gets a new
 * pool with them (requests in flight finish on the old one).
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { describeTlsError, redactUrl, type TlsConfig, TlsFiles } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { Pool } from 'undici';
import type { SinkContext } from '../sink/sink.js';

const gzip = promisify(gzipCallback);

/** undici is loaded on first use: it costs ~20 MB of RSS that stream-only configs need not pay. */
let undici: Promise<typeof import('undici')> | undefined;
function loadUndici(): Promise<typeof import('undici')> {
  undici ??= import('undici');
  return undici;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpClientOptions {
  endpoint: URL;
  tls: TlsConfig | undefined;
  resolvePath(path: string): string;
  /** For the TLS files' problems and reloads. */
  logger?: Logger;
  connections: number;
  /** Bodies of responses are read up to this many bytes (error bodies are for humans). */
  maxResponseBytes?: number;
}

export interface HttpSendOptions {
  method?: 'POST' | 'PUT' | 'GET' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  compress?: boolean;
  signal: AbortSignal;
}

export class HttpClient {
  #pool: Pool | undefined;
  #poolGeneration = 0;
  readonly #tls: TlsFiles | undefined;
  readonly origin: string;
  /** The endpoint for logs: credentials and query values (`?api_key=`) redacted. */
  readonly target: string;

  /** The client of sink `name` for its `endpoint` and `tls` block (TLS file problems logged with the sink's name). */
  static forSink(
    name: string,
    config: { endpoint: string; tls?: TlsConfig | undefined; concurrency: number },
    ctx: SinkContext,
    connections = config.concurrency,
  ): HttpClient {
    return new HttpClient({
      endpoint: new URL(config.endpoint),
      tls: config.tls,
      resolvePath: ctx.resolvePath,
      logger: ctx.logger.child({ sink: name }),
      connections,
    });
  }

  constructor(private readonly options: HttpClientOptions) {
    this.origin = options.endpoint.origin;
    this.target = redactUrl(options.endpoint.href);
    if (options.endpoint.protocol === 'https:') {
      const { tls, resolvePath, logger } = options;
      this.#tls = new TlsFiles(tls, { resolvePath, ...(logger ? { logger } : {}) });
    }
  }

  async #getPool(): Promise<Pool> {
    const generation = this.#tls?.generation ?? 0;
    if (this.#pool && this.#poolGeneration === generation) return this.#pool;
    // Throws while the TLS files were never usable; the message names the key and the file.
    // SNI: undici sends the endpoint's host name unless the config names one.
    const connect = this.#tls?.connectionOptions();
    const { Pool } = await loadUndici();
    if (this.#pool && this.#poolGeneration === generation) return this.#pool;
    const stale = this.#pool;
    this.#pool = new Pool(this.origin, {
      connections: this.options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      // HTTP/1.1 as before undici 8 (which would take h2 when a TLS endpoint offers it).
      allowH2: false,
      ...(connect ? { connect } : {}),
    });
    this.#poolGeneration = generation;
    void stale?.close().catch(() => undefined);
    return this.#pool;
  }

  /** Gzips a body (off the event loop, in libuv's thread pool). */
  static async gzip(body: Buffer | string): Promise<Buffer> {
    return gzip(body);
  }

  /**
   * One request. Resolves with the response (any status); rejects with an Error whose message is
   * a clear reason (`connection refused (ECONNREFUSED) to http://...`, a TLS explanation, ...).
   */
  async send(req: HttpSendOptions): Promise<HttpResponse & { sentBytes: number }> {
    const headers: Record<string, string> = { ...req.headers };
    let body = req.body;
    if (body !== undefined && req.compress) {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    const sentBytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const pool = await this.#getPool();
    try {
      const res = await pool.request({
        method: req.method ?? 'POST',
        path: req.path,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: req.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      const text = await readLimited(res.body, this.options.maxResponseBytes ?? 1_048_576);
      return { status: res.statusCode, headers: res.headers, body: text, sentBytes };
    } catch (error) {
      throw new Error(this.describe(error, req.signal));
    }
  }

  /** A one-line reason for a transport failure. */
  describe(error: unknown, signal?: AbortSignal): string {
    const tlsReason = describeTlsError(error, this.target);
    if (tlsReason) return tlsReason;
    if (signal?.aborted) {
      const reason = signal.reason as Error | undefined;
      if (reason?.name === 'TimeoutError') return `request to ${this.target} timed out`;
      return `request to ${this.target} aborted`;
    }
    const code = findCode(error);
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'connection reset'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'host not found'
            : (error as Error).message;
    return `${what}${code ? ` (${code})` : ''} to ${this.target}`;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.destroy().catch(() => undefined);
    await this.#tls?.close();
  }
}

function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && !code.startsWith('UND_ERR_ABORT')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readLimited(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < max) {
      chunks.push(chunk);
      size += chunk.length;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** A response header as one string. */
export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
