/**
 * The transport of the stream sinks (`syslog`, `socket`): one long-lived connection over TCP, TLS
 * or a Unix socket, re-dialled after any error; or a UDP socket. A send resolves once the bytes are
 * handed to the kernel (TCP has no application-level acknowledgement: see docs/sinks.md).
 */
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { isIPv6, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describeTlsError, type TlsConfig, TlsFiles } from '@outrigger/runtime';
import type { Logger } from 'pino';

export type StreamProtocol = 'tcp' | 'tls' | 'unix' | 'udp';

export interface StreamTransportOptions {
  protocol: StreamProtocol;
  /** host and port for tcp/tls/udp. */
  host?: string;
  port?: number;
  /** Socket path for unix. */
  path?: string;
  tls: TlsConfig | undefined;
  resolvePath(path: string): string;
  /** For the TLS files' problems and reloads. */
  logger?: Logger;
}

export class StreamTransport {
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  #udp: DgramSocket | undefined;
  /** TLS files, re-read when they change: each new connection uses the current ones. */
  readonly #tls: TlsFiles | undefined;
  readonly target: string;

  constructor(private readonly options: StreamTransportOptions) {
    const { protocol, host, port, path, tls, resolvePath, logger } = options;
    this.target = protocol === 'unix' ? `unix:${path}` : `${protocol}://${host?.includes(':') ? `[${host}]` : host}:${port}`;
    if (protocol === 'tls') this.#tls = new TlsFiles(tls, { resolvePath, ...(logger ? { logger } : {}) });
  }

  /** A connection is open (stream protocols). */
  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed && this.#socket.writable;
  }

  get datagram(): boolean {
    return this.options.protocol === 'udp';
  }

  /** Opens (or reuses) the connection. Rejects with a clear reason. */
  connect(signal: AbortSignal): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed && this.#socket.writable) return Promise.resolve(this.#socket);
    if (this.#connecting) return this.#connecting;
    const { protocol, host, port, path } = this.options;
    const attempt = new Promise<Socket>((resolve, reject) => {
      let socket: Socket;
      const readyEvent = protocol === 'tls' ? 'secureConnect' : 'connect';
      try {
        if (protocol === 'tls') {
          socket = tlsConnect({ host, port, ...(this.#tls as TlsFiles).connectionOptions(host) });
        } else if (protocol === 'unix') {
          socket = netConnect({ path: path as string });
        } else {
          socket = netConnect({ host: host as string, port: port as number });
        }
      } catch (error) {
        reject(new Error((error as Error).message));
        return;
      }
      const onAbort = () => {
        socket.destroy();
        reject(new Error(`connecting to ${this.target} ${(signal.reason as Error)?.name === 'TimeoutError' ? 'timed out' : 'aborted'}`));
      };
      const onError = (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(new Error(this.describe(error)));
      };
      socket.once('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once(readyEvent, () => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.setNoDelay?.(true);
        socket.setKeepAlive?.(true, 30_000);
        // Whatever the peer sends is ignored; an end or error closes our side, and the next send re-dials.
        socket.on('data', () => undefined);
        socket.on('error', () => socket.destroy());
        socket.on('end', () => socket.destroy());
        this.#socket = socket;
        resolve(socket);
      });
    });
    this.#connecting = attempt;
    const clear = () => {
      this.#connecting = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  /** Writes buffers on the connection (one writev); resolves when they are handed to the kernel. */
  async write(data: Buffer | readonly Buffer[], signal: AbortSignal): Promise<void> {
    const socket = await this.connect(signal);
    const buffers = Buffer.isBuffer(data) ? [data] : data;
    const last = buffers[buffers.length - 1];
    if (!last) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        socket.destroy();
        reject(new Error(`write to ${this.target} timed out`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.cork();
      for (let i = 0; i < buffers.length - 1; i++) socket.write(buffers[i] as Buffer);
      socket.write(last, (error) => {
        signal.removeEventListener('abort', onAbort);
        if (error) {
          socket.destroy();
          reject(new Error(this.describe(error)));
        } else {
          resolve();
        }
      });
      socket.uncork();
    });
  }

  /** Sends datagrams (UDP), one message each. */
  async sendDatagrams(messages: readonly Buffer[]): Promise<void> {
    const { host, port } = this.options;
    if (!this.#udp) {
      this.#udp = createSocket(isIPv6(host ?? '') ? 'udp6' : 'udp4');
      this.#udp.on('error', () => undefined);
      this.#udp.unref();
    }
    const udp = this.#udp;
    await Promise.all(
      messages.map(
        (message) =>
          new Promise<void>((resolve, reject) => {
            udp.send(message, port as number, host as string, (error) => (error ? reject(new Error(this.describe(error))) : resolve()));
          }),
      ),
    );
  }

  describe(error: unknown): string {
    const tlsReason = describeTlsError(error, this.target);
    if (tlsReason) return tlsReason;
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' || code === 'EPIPE'
          ? 'connection reset'
          : code === 'ENOENT'
            ? 'socket not found'
            : code === 'EMSGSIZE'
              ? 'message too large for a datagram'
              : (error as Error).message;
    return `${what}${code ? ` (${code})` : ''} to ${this.target}`;
  }

  /** Healthcheck: the connection can be opened (UDP: nothing to check beyond the address). */
  async check(signal: AbortSignal): Promise<void> {
    if (this.datagram) return;
    await this.connect(signal);
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.end(() => resolve());
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 1000).unref();
      });
    }
    this.#udp?.close();
    this.#udp = undefined;
    await this.#tls?.close();
  }
}
