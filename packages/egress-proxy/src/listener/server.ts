/**
 * The data listener: a Node HTTP/1.1 server with keep-alive, header limits (431), a headers
 * timeout against slow clients, strict parsing (malformed framing → 400 and the connection
 * closed) and `Expect: 100-continue` handed to the proxy so it can refuse before the body moves.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { OutriggerError } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.js';
import { type Flag, Flags, rawProxyError, sendProxyError } from '../proxy-error.js';
import type { ListenerConfig } from '../schema.js';
import { expectationFailed, isContinueExpectation } from './request-checks.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => void;

/** CONNECT and upgraded requests: the socket leaves HTTP behind. */
export type SocketHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

/** What the listener counts (metrics live with the proxy). */
export interface ListenerEvents {
  /** A connection over `max_connections` was refused. */
  refused(): void;
  /** A client too slow with its request headers (408). */
  clientTimeout(): void;
}

interface ParseError extends NodeJS.ErrnoException {
  rawPacket?: Buffer;
  bytesParsed?: number;
}

/** The response Node's server is writing on a socket, if any (its documented-by-use slot). */
function responseOn(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

export class Listener {
  readonly server: Server;
  #address: string | undefined;
  readonly #handled = new WeakSet<Socket>();
  /** Every app connection, upgraded and CONNECT ones included (Node's server forgets those). */
  readonly #sockets = new Set<Socket>();

  constructor(
    private readonly config: ListenerConfig,
    private readonly logger: Logger,
    handler: RequestHandler,
    private readonly events: ListenerEvents = { refused: () => {}, clientTimeout: () => {} },
    sockets?: { connect: SocketHandler; upgrade: SocketHandler },
  ) {
    this.server = createServer(
      {
        maxHeaderSize: config.max_header_bytes,
        headersTimeout: config.headers_timeout_ms,
        // Bodies are streamed for as long as the route allows; the route owns the timeouts.
        requestTimeout: 0,
        keepAliveTimeout: config.keep_alive_timeout_ms,
        connectionsCheckingInterval: Math.min(1000, config.headers_timeout_ms),
        noDelay: true,
        // Strict parsing: never the lenient parser (request smuggling).
        insecureHTTPParser: false,
        // Only WebSocket leaves HTTP: any other `Upgrade` (h2c, ...) is an ordinary request whose
        // hop-by-hop Upgrade header is dropped (Node ≥ 24.9; older Nodes upgrade every offer).
        shouldUpgradeCallback: (req: IncomingMessage) => sockets !== undefined && isWebSocketUpgrade(req.headers.upgrade),
      } as Parameters<typeof createServer>[0],
      (req, res) => handler(req, res, false),
    );
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    if (config.max_connections !== undefined) this.server.maxConnections = config.max_connections;
    this.server.on('drop', () => {
      this.events.refused();
      this.logger.warn({ max_connections: config.max_connections }, 'connection refused: listener.max_connections reached');
    });
    this.server.on('checkContinue', (req, res) => {
      // Node hands over any value *containing* 100-continue; only the exact expectation is one.
      if (isContinueExpectation(req.headers.expect)) handler(req, res, true);
      else this.#expectationFailed(res);
    });
    this.server.on('checkExpectation', (_req, res) => this.#expectationFailed(res));
    if (sockets !== undefined) {
      this.server.on('connect', (req, socket, head) => sockets.connect(req, socket as Socket, head));
      this.server.on('upgrade', (req, socket, head) => sockets.upgrade(req, socket as Socket, head));
    }
    this.server.on('clientError', (err, socket) => this.#clientError(err as ParseError, socket as Socket));
  }

  #expectationFailed(res: ServerResponse): void {
    sendProxyError(res, { ...expectationFailed, flags: [] }, undefined, this.config.request_id_header, true);
  }

  #clientError(err: ParseError, socket: Socket): void {
    // Node reports every later chunk of a connection whose parser failed again: once is enough.
    if (this.#handled.has(socket)) return;
    this.#handled.add(socket);
    const inFlight = responseOn(socket);
    if (inFlight !== undefined && !inFlight.writableFinished) {
      if (inFlight.req.complete) {
        // RFC 9112 §9.6: a request was received whole and is being answered; what follows it
        // (after `Connection: close`, or garbage after a body) is ignored. Answer, then close.
        const packet = err.rawPacket;
        const at = Math.min(err.bytesParsed ?? 0, packet?.length ?? 0);
        this.logger.info(
          {
            reason: err.code ?? err.message,
            remote: socket.remoteAddress,
            trailing_bytes: packet === undefined ? undefined : packet.length - at,
            trailing_start: packet?.subarray(at, at + 32).toString('latin1'),
          },
          'trailing bytes after a request ignored',
        );
        socket.pause();
        if (!inFlight.headersSent) inFlight.shouldKeepAlive = false;
        inFlight.once('finish', () => socket.destroySoon());
        inFlight.once('close', () => socket.destroy());
        return;
      }
      // The request itself broke off mid-body: its forward sees the connection go.
      socket.destroy();
      return;
    }
    let status = 400;
    let code: ErrorCode = 'OUTRIGGER_E_BAD_REQUEST';
    let flags: Flag[] = [];
    let detail: string | undefined;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      if (requestLineOverflows(err.rawPacket, this.config.max_request_line_bytes)) {
        status = 414;
        code = 'OUTRIGGER_E_URI_TOO_LONG';
      } else {
        status = 431;
        code = 'OUTRIGGER_E_HEADERS_TOO_LARGE';
      }
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      code = 'OUTRIGGER_E_CLIENT_TIMEOUT';
      flags = [Flags.DownstreamTimeout];
      detail = 'the request headers did not arrive in time';
      this.events.clientTimeout();
    } else if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    this.logger.info({ status, reason: err.code ?? err.message, remote: socket.remoteAddress }, 'client error');
    socket.end(rawProxyError({ status, code, flags, detail }));
    socket.destroySoon();
  }

  async listen(hostPort: { host: string; port: number }): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new OutriggerError('OUTRIGGER_E_LISTEN', `cannot listen on ${hostPort.host}:${hostPort.port}: ${err.message}`, { cause: err }),
        );
      this.server.once('error', onError);
      this.server.listen(hostPort.port, hostPort.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    this.#address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    this.logger.info({ listener: 'proxy', address: this.#address }, 'listening');
    return this.#address;
  }

  get address(): string | undefined {
    return this.#address;
  }

  /** Open app connections. */
  connections(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((_err, n) => resolve(n ?? 0)));
  }

  /** Stops accepting, closes idle connections, then every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    this.server.closeAllConnections();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

/**
 * Whether a header overflow is the request line's: the chunk Node failed on starts with a
 * request line that has no end within it, or ends beyond `max_request_line_bytes` (then 414,
 * else 431). A line split over several reads before the overflow reads as 431.
 */
export function requestLineOverflows(packet: Buffer | undefined, maxRequestLineBytes: number): boolean {
  if (packet === undefined || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) return false;
  const end = packet.indexOf(10);
  return end === -1 || end > maxRequestLineBytes;
}

/** Whether an `Upgrade` header offers WebSocket (a token list, case-insensitive). */
export function isWebSocketUpgrade(value: string | undefined): boolean {
  return value?.split(',').some((token) => token.trim().toLowerCase() === 'websocket') === true;
}
