/**
 * One upstream address: an undici `Pool` (keep-alive, bounded connections), the TLS connector,
 * per-connection bookkeeping (has this connection served a response yet?) and the endpoint's
 * health, outlier and load state.
 */
import { redactUrl, type TlsFiles } from '@outrigger/runtime';
import { buildConnector, Client, type Dispatcher, Pool } from 'undici';
import { OutlierState } from '../cluster/outlier.js';

/** Per-connection state: how many responses the current socket of a client has completed. */
export class ConnectionTrack {
  served = 0;
  /** The current socket: a try compares its `bytesWritten` to learn whether any byte went out. */
  socket: { readonly bytesWritten: number } | undefined;
}

/** Dispatch options that carry the try, so the client that takes the request can tag it. */
export interface TrackedDispatchOptions extends Dispatcher.DispatchOptions {
  track?: { connection: ConnectionTrack | undefined };
}

class TrackedClient extends Client {
  constructor(
    origin: string | URL,
    options: Client.Options,
    private readonly connection: ConnectionTrack,
  ) {
    super(origin, options);
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const track = (opts as TrackedDispatchOptions).track;
    if (track !== undefined) track.connection = this.connection;
    return super.dispatch(opts, handler);
  }
}

export interface EndpointOptions {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  /** TLS files for https endpoints (looked at on each connect, so rotation applies to new connections). */
  tls: TlsFiles | undefined;
  /** SNI / verified name when the URL's host is an address (DNS clusters). */
  serverName?: string | undefined;
}

export class Endpoint {
  /** Requests in flight (least-request balancing). */
  active = 0;
  healthy = true;
  readonly outlier = new OutlierState();
  readonly pool: Pool;
  readonly origin: string;
  #connector: buildConnector.connector | undefined;
  #connectorGeneration = -1;

  constructor(
    readonly url: URL,
    /** Host header sent upstream unless the route rewrites it. */
    readonly host: string,
    private readonly options: EndpointOptions,
  ) {
    this.origin = url.origin;
    const https = url.protocol === 'https:';
    const connect: buildConnector.connector = (opts, callback) => this.#connect(https, opts, callback);
    this.pool = new Pool(this.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      // HTTP/1.1 only (undici 8 would take h2 when a TLS upstream offers it): hop-by-hop
      // handling and per-connection accounting are HTTP/1.1's.
      allowH2: false,
      keepAliveTimeout: options.idleTimeoutMs,
      keepAliveMaxTimeout: options.idleTimeoutMs,
      // An upstream's `Keep-Alive: timeout=N` hint is honoured minus this margin, so the proxy
      // closes idle connections before the upstream does.
      keepAliveTimeoutThreshold: Math.min(1000, Math.floor(options.idleTimeoutMs / 2)),
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect,
      factory: (origin, opts) => {
        const connection = new ConnectionTrack();
        const inner = (opts as Client.Options).connect as buildConnector.connector;
        return new TrackedClient(
          origin,
          {
            ...(opts as Client.Options),
            connect: (o, cb) =>
              inner(o, (err, socket) => {
                if (err === null) {
                  connection.served = 0;
                  connection.socket = socket ?? undefined;
                }
                cb(err as never, socket as never);
              }),
          },
          connection,
        );
      },
    });
  }

  #currentConnector(https: boolean): buildConnector.connector {
    const tls = https ? this.options.tls : undefined;
    const generation = tls?.generation ?? 0;
    if (this.#connector === undefined || generation !== this.#connectorGeneration) {
      // Throws while the files were never usable. SNI: the config's servername, else the DNS name.
      const options = tls?.connectionOptions(this.options.serverName);
      this.#connector = buildConnector({
        timeout: this.options.connectTimeoutMs,
        ...(options ?? {}),
        keepAlive: true,
        keepAliveInitialDelay: 60000,
        allowH2: false,
        // A rotated certificate gets a new connector, so old sessions are never resumed with it.
        maxCachedSessions: 100,
      } as buildConnector.BuildOptions);
      this.#connectorGeneration = generation;
    }
    return this.#connector;
  }

  /**
   * A raw connection to this endpoint outside the pool (TCP, or TLS with the cluster's settings),
   * for an upgraded request (WebSocket) that leaves HTTP behind.
   */
  connectRaw(callback: (err: Error | null, socket: import('node:net').Socket | null) => void): void {
    const url = this.url;
    const https = url.protocol === 'https:';
    const opts = {
      hostname: url.hostname,
      host: url.host,
      protocol: url.protocol,
      port: url.port || (https ? '443' : '80'),
      servername: this.options.serverName ?? null,
    };
    this.#connect(https, opts as never, (err, socket) => callback(err, socket as never));
  }

  #connect(https: boolean, opts: buildConnector.Options, callback: buildConnector.Callback): void {
    let connector: buildConnector.connector;
    try {
      connector = this.#currentConnector(https);
    } catch (error) {
      // TLS files that were never usable: this connection fails (as a connect failure).
      process.nextTick(() => callback(error as Error, null));
      return;
    }
    connector(opts, callback);
  }

  /** Open connections of the pool. */
  connections(): number {
    return this.pool.stats.connected;
  }

  status(now: number): object {
    return {
      // /status may be read by people who must not see a credential in an endpoint's URL.
      url: redactUrl(this.url.href),
      healthy: this.healthy,
      ejected: this.outlier.ejected(now),
      ejected_until: this.outlier.ejected(now) ? new Date(this.outlier.ejectedUntil).toISOString() : undefined,
      times_ejected: this.outlier.timesEjected,
      active_requests: this.active,
      connections: this.connections(),
    };
  }

  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
