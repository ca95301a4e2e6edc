/** A TCP (or Unix socket) server that records or counts newline-terminated lines. */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export class LineReceiver {
  readonly lines: string[] = [];
  count = 0;
  bytes = 0;
  connections = 0;
  server: Server | undefined;
  port = 0;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly keep = true) {}

  async listen(target: number | string = 0): Promise<this> {
    this.server = createServer((socket) => {
      this.connections++;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      let rest = '';
      socket.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length;
        if (!this.keep) {
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.count++;
          return;
        }
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        this.lines.push(...parts);
        this.count += parts.length;
      });
    });
    if (typeof target === 'string') this.server.listen(target);
    else this.server.listen(target, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? (address as AddressInfo).port : 0;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = undefined;
  }
}
