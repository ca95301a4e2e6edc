/**
 * The data listener and its lifecycle: listen, count in-flight exchanges, drain on SIGTERM
 * (stop accepting, let in-flight exchanges finish, close idle keep-alive connections), stop.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { parseHostPort } from '@outrigger/runtime';
import type { Logger } from 'pino';

export interface ListenerOptions {
  listen: string;
  logger: Logger;
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export class Listener {
  private readonly server: http.Server;
  private readonly opts: ListenerOptions;
  private inflight = 0;
  private upgraded = new Set<Duplex>();
  private drainingNow = false;
  private idle: (() => void) | undefined;
  address = '';

  constructor(opts: ListenerOptions) {
    this.opts = opts;
    this.server = http.createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) => {
      this.inflight++;
      res.once('close', () => {
        this.inflight--;
        if (this.drainingNow) this.server.closeIdleConnections();
        if (this.inflight === 0) this.idle?.();
      });
      if (this.drainingNow) res.shouldKeepAlive = false;
      opts.handler(req, res);
    });
    this.server.on('upgrade', opts.upgrade);
    this.server.on('clientError', (err, socket) => {
      if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      } else socket.destroy();
    });
  }

  /** Tracks an upgraded connection so that stop() can close it. */
  track = (socket: Duplex): void => {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  };

  get draining(): boolean {
    return this.drainingNow;
  }

  inFlight(): number {
    return this.inflight;
  }

  async start(): Promise<void> {
    const { host, port } = parseHostPort(this.opts.listen);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr && typeof addr === 'object') {
      this.address = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
    }
    this.opts.logger.info({ listener: 'data', address: this.address }, 'listening');
  }

  /** Stops accepting and waits for in-flight exchanges, or until `deadline` aborts. */
  async drain(deadline: AbortSignal): Promise<void> {
    this.drainingNow = true;
    this.server.close();
    this.server.closeIdleConnections();
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        deadline.removeEventListener('abort', done);
        this.idle = undefined;
        resolve();
      };
      this.idle = done;
      deadline.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.drainingNow = true;
    this.server.closeAllConnections();
    for (const s of this.upgraded) s.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }
}
