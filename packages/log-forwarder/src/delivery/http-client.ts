/**
 * The HTTP transport of every HTTP sink: Node's own HTTP/1.1 client (llhttp in C++, in the
 * binary already) with a keep-alive agent of `concurrency` sockets per endpoint, TLS from the
 * runtime's `TlsFiles`, optional gzip, and every failure turned into a clear one-line reason.
 * When the TLS files change, the next request gets a new agent with them (requests in flight
 * finish on the old one, which is then closed). undici served here until 2026-12: it costs
 * ~20 MB of RSS (its module and its WebAssembly parser) and more CPU per request for the same
 * work (docs/benchmarks.md "log-forwarder sinks").
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { describeTlsError, redactUrl, type TlsConfig, TlsFiles } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { SinkContext } from '../sink/sink.js';

const gzip = promisify(gzipCallback);

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

/** Idle keep-alive sockets are closed after this long (before a typical server's own 60 s+). */
const IDLE_SOCKET_MS = 30_000;

/** An agent and the requests it has in flight (a stale agent is closed when they are done). */
interface AgentUse {
  agent: HttpAgent;
  generation: number;
  inFlight: number;
  stale: boolean;
}

export class HttpClient {
  #agent: AgentUse | undefined;
  readonly #tls: TlsFiles | undefined;
  readonly #https: boolean;
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
    this.target = redactUrl(options.endpoint.href);
    this.#https = options.endpoint.protocol === 'https:';
    if (this.#https) {
      const { tls, resolvePath, logger } = options;
      this.#tls = new TlsFiles(tls, { resolvePath, ...(logger ? { logger } : {}) });
    }
  }

  #getAgent(): AgentUse {
    const generation = this.#tls?.generation ?? 0;
    const current = this.#agent;
    if (current && current.generation === generation) return current;
    const common = { keepAlive: true, maxSockets: this.options.connections, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    // SNI: the endpoint's host name unless the config names one.
    const agent = this.#https
      ? new HttpsAgent({ ...common, ...this.#tls?.connectionOptions(this.options.endpoint.hostname), maxCachedSessions: 100 })
      : new HttpAgent(common);
    if (current) {
      current.stale = true;
      if (current.inFlight === 0) current.agent.destroy();
    }
    this.#agent = { agent, generation, inFlight: 0, stale: false };
    return this.#agent;
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
    if (body !== undefined) headers['content-length'] = String(sentBytes);
    // Throws (the TLS files were never usable) with the message naming the key and the file.
    const use = this.#getAgent();
    use.inFlight++;
    try {
      const res = await this.#request(use.agent, req, headers, body);
      const text = await readLimited(res, this.options.maxResponseBytes ?? 1_048_576);
      return { status: res.statusCode ?? 0, headers: res.headers, body: text, sentBytes };
    } catch (error) {
      throw new Error(this.describe(error, req.signal));
    } finally {
      use.inFlight--;
      if (use.stale && use.inFlight === 0) use.agent.destroy();
    }
  }

  #request(
    agent: HttpAgent,
    req: HttpSendOptions,
    headers: Record<string, string>,
    body: Buffer | string | undefined,
  ): Promise<IncomingMessage> {
    const url = this.options.endpoint;
    return new Promise((resolve, reject) => {
      const request = (this.#https ? httpsRequest : httpRequest)(
        {
          agent,
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || (this.#https ? 443 : 80),
          method: req.method ?? 'POST',
          path: req.path,
          headers,
          signal: req.signal,
        },
        resolve,
      );
      request.on('error', reject);
      request.end(body);
    });
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
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'host not found'
            : (error as Error).message;
    return `${what}${code ? ` (${code})` : ''} to ${this.target}`;
  }

  async close(): Promise<void> {
    this.#agent?.agent.destroy();
    this.#agent = undefined;
    await this.#tls?.close();
  }
}

function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readLimited(body: IncomingMessage, max: number): Promise<string> {
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
