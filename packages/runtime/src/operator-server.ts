/**
 * The HTTP server operators talk to. Two of them run per process with different routes:
 * the admin server on 127.0.0.1 (`/status` and anything that reveals config or state) and the
 * probe listener on the pod IP (`/healthz`, `/readyz`, `/metrics` only: the kubelet and
 * Prometheus connect there). A handful of GET routes need no web framework: plain `node:http`
 * keeps every sidecar's start-up and memory small.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatHostPort, parseHostPort } from './host-port.js';

export interface Reply {
  status: number;
  /** Serialised as JSON unless `text` is given. */
  body?: unknown;
  text?: string;
  contentType?: string;
}

export type Route = () => Reply | Promise<Reply>;

export class OperatorServer {
  readonly #server: Server;

  constructor(routes: Readonly<Record<string, Route>>) {
    this.#server = createServer((req, res) => void this.#handle(routes, req, res));
    // Probes and scrapes are short; a client that sends nothing must not hold a socket.
    this.#server.headersTimeout = 5000;
    this.#server.requestTimeout = 10_000;
    this.#server.keepAliveTimeout = 5000;
    this.#server.maxHeadersCount = 50;
  }

  async #handle(routes: Readonly<Record<string, Route>>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the path picks a route; a query string is ignored (and never echoed).
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    let reply: Reply;
    if (!route) {
      reply = { status: 404, body: { error: 'not found' } };
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply = { status: 405, body: { error: 'method not allowed' } };
      res.setHeader('allow', 'GET, HEAD');
    } else {
      try {
        reply = await route();
      } catch (error) {
        reply = { status: 500, body: { error: (error as Error).message } };
      }
    }
    const payload = reply.text ?? `${JSON.stringify(reply.body ?? {})}\n`;
    res.writeHead(reply.status, {
      'content-type': reply.contentType ?? (reply.text === undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8'),
      'content-length': Buffer.byteLength(payload),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  /** Binds and returns the bound address (`host:port`, the real port when 0 was asked for). */
  async listen(address: string): Promise<string> {
    const { host, port } = parseHostPort(address);
    this.#server.listen({ host, port });
    await Promise.race([
      once(this.#server, 'listening'),
      once(this.#server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
    const bound = this.#server.address();
    if (bound === null || typeof bound === 'string') return address;
    return formatHostPort({ host: bound.address, port: bound.port });
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
