/** Shared plumbing of the test servers: HTTP or HTTPS on 127.0.0.1:0, gzip bodies, scripted faults. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface TlsFiles {
  key: Buffer | string;
  cert: Buffer | string;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void | Promise<void>;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding && encoding !== 'identity') throw new Error(`unsupported content-encoding ${encoding}`);
  return body;
}

export function send(res: ServerResponse, status: number, body: string | object = '', headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export class TestHttpServer {
  server: Server | undefined;
  url = '';
  port = 0;
  readonly #sockets = new Set<import('node:net').Socket>();
  /**
   * While true the server is "down": every connection is closed as soon as it is accepted (the
   * client sees a reset, a network error it must retry). Unlike closing the server and listening
   * again later, the port is never given away: another process binding port 0 meanwhile could get
   * it and answer in our place.
   */
  down = false;
  /** Requests being received or answered right now, and the most seen at once. */
  active = 0;
  maxConcurrent = 0;

  constructor(
    private readonly handler: Handler,
    private readonly tls?: TlsFiles,
  ) {}

  async listen(port = 0): Promise<this> {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      this.active++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.active);
      res.on('close', () => this.active--);
      readBody(req).then(
        (body) => this.handler(req, body, res),
        (error: Error) => send(res, 400, error.message),
      );
    };
    this.server = this.tls ? createHttpsServer({ key: this.tls.key, cert: this.tls.cert }, listener) : createServer(listener);
    this.server.on('connection', (s) => {
      if (this.down) {
        s.destroy();
        return;
      }
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.server.on('secureConnection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }
}
