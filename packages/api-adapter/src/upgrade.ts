/**
 * `Upgrade` requests (WebSocket and the like) are never parsed: the request line and headers are
 * walked like any request (version negotiation, path and header changes), then the two sockets are
 * joined and bytes flow both ways untouched.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TlsFiles } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { AdapterConfig } from './config.js';
import type { Engine } from './engine.js';
import { AdapterError } from './errors.js';

function writeError(socket: Duplex, engine: Engine, err: AdapterError): void {
  const out = engine.errorResponse(err);
  const lines = [`HTTP/1.1 ${out.status} Error`];
  for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) lines.push(`${k}: ${v}`);
  lines.push('connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), out.body]));
}

export function handleUpgrade(
  engine: Engine,
  upstream: AdapterConfig['upstream'],
  tlsFiles: TlsFiles | undefined,
  logger: Logger,
  track: (socket: Duplex) => void,
) {
  const url = new URL(upstream.url);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    track(socket);
    socket.on('error', () => socket.destroy());
    let exchange: ReturnType<Engine['begin']>;
    try {
      exchange = engine.begin({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
      });
    } catch (err) {
      if (err instanceof AdapterError) writeError(socket, engine, err);
      else socket.destroy();
      return;
    }
    const rejected = exchange.rejected;
    if (rejected) {
      writeError(socket, engine, rejected);
      return;
    }
    const up = exchange.upstream;
    const lines = [`${up.method} ${up.target} HTTP/1.1`];
    for (const [k, v] of Object.entries(up.headers)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
    }
    lines.push('connection: upgrade', `upgrade: ${String(req.headers.upgrade ?? '')}`, '', '');
    let options: tls.ConnectionOptions | undefined;
    try {
      options = secure ? (tlsFiles as TlsFiles).connectionOptions(host) : undefined;
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'upgrade connection to the upstream failed');
      writeError(
        socket,
        engine,
        new AdapterError('OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE', 'the upstream is unavailable (tls files)', 502),
      );
      return;
    }
    const conn = options ? tls.connect({ host, port, ...options }) : net.connect({ host, port });
    track(conn);
    conn.once(secure ? 'secureConnect' : 'connect', () => {
      conn.write(lines.join('\r\n'));
      if (head.length > 0) conn.write(head);
      conn.pipe(socket);
      socket.pipe(conn);
    });
    conn.on('error', (err) => {
      logger.warn({ err: { message: err.message } }, 'upgrade connection to the upstream failed');
      if (!socket.destroyed && socket.writable && conn.bytesRead === 0) {
        writeError(
          socket,
          engine,
          new AdapterError(
            'OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE',
            `the upstream is unavailable (${(err as NodeJS.ErrnoException).code ?? err.message})`,
            502,
          ),
        );
      } else socket.destroy();
    });
    socket.on('close', () => conn.destroy());
    conn.on('close', () => socket.destroy());
  };
}
