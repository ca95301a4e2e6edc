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

/**
 * `halfClose`: a FIN from one side is passed on and the other may go on sending (CONNECT: TCP
 * semantics). Without it (upgrades: a WebSocket closes in-band), the first FIN ends both sides
 * once their pending writes are out — a WebSocket client waits for the server's close and may
 * never send its own FIN, which would hold both sockets until the idle timeout.
 */
export function pipeBoth(
  app: Socket,
  upstream: Socket,
  idleTimeoutMs: number,
  done: (result: TunnelResult) => void,
  halfClose = true,
): void {
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
    if (!halfClose) {
      a.once('end', () => {
        b.destroySoon();
        a.destroySoon();
      });
    }
    a.pipe(b);
  }
}

/** The open tunnels of a proxy: counted for /status, torn down at stop. */
export class Tunnels {
  readonly #open = new Set<Socket>();

  get size(): number {
    return this.#open.size;
  }

  add(app: Socket): void {
    this.#open.add(app);
    app.once('close', () => this.#open.delete(app));
  }

  /** Destroys every tunnel (its app side; `pipeBoth` takes the upstream side with it). */
  destroyAll(): void {
    for (const app of this.#open) app.destroy();
  }
}

/** `pipeBoth` with the tunnel metrics and one log line when it closes. */
export function openTunnel(
  app: Socket,
  upstream: Socket,
  idleTimeoutMs: number,
  what: { kind: 'connect' | 'upgrade'; target: string | undefined; route?: string | undefined },
  env: { logger: Logger; metrics: ProxyMetrics; tunnels: Tunnels },
): void {
  const { logger, metrics } = env;
  const started = performance.now();
  env.tunnels.add(app);
  metrics.tunnelsActive.inc();
  pipeBoth(
    app,
    upstream,
    idleTimeoutMs,
    (result) => {
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
    },
    what.kind === 'connect',
  );
}
