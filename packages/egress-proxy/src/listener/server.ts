/**
 * The data listener: a plain TCP server whose connections parse their requests themselves
 * (`connection.ts`, strictly: `request-parser.ts`), with `max_connections` refusals counted and
 * one sweep timer for every connection's headers and keep-alive timeouts (no timer per request).
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { OutriggerError } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { ListenerConfig } from '../schema.js';
import { Connection, type ListenerEvents, type RequestHandler, type SocketHandler } from './connection.js';

export type { ListenerEvents, RequestHandler, SocketHandler } from './connection.js';

export class Listener {
  readonly server: Server;
  #address: string | undefined;
  /** Connections still speaking HTTP (swept for their timeouts). */
  readonly #connections = new Set<Connection>();
  /** Every app socket, handed-off CONNECT and upgrade ones included (closed at stop). */
  readonly #sockets = new Set<Socket>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ListenerConfig,
    private readonly logger: Logger,
    handler: RequestHandler,
    private readonly events: ListenerEvents = { refused: () => {}, clientTimeout: () => {} },
    sockets?: { connect: SocketHandler; upgrade: SocketHandler },
  ) {
    const env = {
      limits: {
        maxHeaderBytes: config.max_header_bytes,
        maxRequestLineBytes: config.max_request_line_bytes,
        underscoreHeaders: config.underscore_headers,
      },
      headersTimeoutMs: config.headers_timeout_ms,
      keepAliveTimeoutMs: config.keep_alive_timeout_ms,
      // Whole seconds, rounded down: the sweep closes a connection only after the full timeout.
      keepAliveHint: `keep-alive: timeout=${Math.max(1, Math.floor(config.keep_alive_timeout_ms / 1000))}\r\n`,
      logger,
      events,
      request: handler,
      sockets,
      gone: (c: Connection) => this.#connections.delete(c),
    };
    // Half-open, so the connection decides what a client's FIN means (the socket closes after the answer).
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      this.#connections.add(new Connection(socket, env));
    });
    if (config.max_connections !== undefined) this.server.maxConnections = config.max_connections;
    this.server.on('drop', () => {
      this.events.refused();
      this.logger.warn({ max_connections: config.max_connections }, 'connection refused: listener.max_connections reached');
    });
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
    const every = Math.max(10, Math.min(1000, this.config.headers_timeout_ms / 4, this.config.keep_alive_timeout_ms / 4));
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const c of this.#connections) c.tick(now);
    }, every);
    this.#sweep.unref();
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

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
