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
import { type Flag, Flags, proxyErrorBody } from '../proxy-error.js';
import type { ListenerConfig } from '../schema.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => void;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export class Listener {
  readonly server: Server;
  #address: string | undefined;

  constructor(
    config: ListenerConfig,
    private readonly logger: Logger,
    handler: RequestHandler,
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
      },
      (req, res) => handler(req, res, false),
    );
    this.server.on('checkContinue', (req, res) => handler(req, res, true));
    this.server.on('clientError', (err, socket) => this.#clientError(err as NodeJS.ErrnoException, socket as Socket));
  }

  #clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    let status = 400;
    let code: ErrorCode = 'OUTRIGGER_E_BAD_REQUEST';
    let flags: Flag[] = [];
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      code = 'OUTRIGGER_E_HEADERS_TOO_LARGE';
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      flags = [Flags.DownstreamClosed];
    } else if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    this.logger.info({ status, reason: err.code ?? err.message, remote: socket.remoteAddress }, 'client error');
    const body = proxyErrorBody(
      { status, code, flags, detail: status === 408 ? 'the request headers did not arrive in time' : undefined },
      undefined,
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-outrigger-flags: ${flags.join(',')}\r\n\r\n${body}`,
    );
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
    await closed;
  }
}
