/**
 * Two sockets piped both ways (CONNECT tunnels, WebSocket and other upgrades) with an idle
 * timeout, half-close passed on, and teardown of both on every way out: an error or a timeout on
 * either destroys both; a close of one ends the other once its pending writes are out.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';

export interface TunnelResult {
  /** Bytes from the app to the upstream, and back. */
  up: number;
  down: number;
  reason: 'closed' | 'idle' | 'error';
  error?: string | undefined;
}

export function pipeBoth(app: Socket, upstream: Socket, idleTimeoutMs: number, done: (result: TunnelResult) => void): void {
  let finished = false;
  let reason: TunnelResult['reason'] = 'closed';
  let error: string | undefined;
  let closed = 0;
  const finish = () => {
    if (++closed < 2 || finished) return;
    finished = true;
    done({ up: upstream.bytesWritten, down: app.bytesWritten, reason, error });
  };
  const fail = (why: TunnelResult['reason'], err?: Error) => {
    if (reason === 'closed') {
      reason = why;
      error = err?.message;
    }
    app.destroy();
    upstream.destroy();
  };
  for (const [a, b] of [
    [app, upstream],
    [upstream, app],
  ] as const) {
    a.setTimeout(idleTimeoutMs, () => fail('idle'));
    a.on('error', (err) => fail('error', err));
    a.once('close', () => {
      if (!b.destroyed) b.destroySoon();
      finish();
    });
    a.pipe(b);
  }
}

/** `pipeBoth` with the tunnel metrics and one log line when it closes. */
export function openTunnel(
  app: Socket,
  upstream: Socket,
  idleTimeoutMs: number,
  what: { kind: string; target: string | undefined; route?: string | undefined },
  logger: Logger,
  metrics: ProxyMetrics,
): void {
  const started = performance.now();
  metrics.tunnelsActive.inc();
  pipeBoth(app, upstream, idleTimeoutMs, (result) => {
    metrics.tunnelsActive.dec();
    metrics.tunnelBytes.labels('up').inc(result.up);
    metrics.tunnelBytes.labels('down').inc(result.down);
    logger.info(
      {
        ...what,
        bytes_up: result.up,
        bytes_down: result.down,
        end: result.reason,
        error: result.error,
        duration_ms: Math.round(performance.now() - started),
      },
      'tunnel closed',
    );
  });
}
