/**
 * One upstream address: its connection pool (`UpstreamPool`: keep-alive HTTP/1.1 on raw
 * sockets, bounded connections), the TCP/TLS dialer it and upgraded requests share, and the
 * endpoint's health, outlier and load state.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, createSecureContext, connect as tlsConnect } from 'node:tls';
import { redactUrl, type TlsFiles } from '@outrigger/runtime';
import { OutlierState } from '../cluster/outlier.js';
import { type Dialer, UpstreamPool, UpstreamSocketError } from './upstream-pool.js';

export interface EndpointOptions {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  /** Requests waiting for one of the endpoint's connections, at most. */
  maxQueued?: number;
  /** TLS files for https endpoints (looked at on each connect, so rotation applies to new connections). */
  tls: TlsFiles | undefined;
  /** SNI / verified name when the URL's host is an address (DNS clusters). */
  serverName?: string | undefined;
}

/** TLS settings of one generation of the files: one secure context, one session cache. */
interface TlsState {
  generation: number;
  options: ConnectionOptions;
  sessions: Map<string, Buffer>;
}

const MAX_CACHED_SESSIONS = 100;

export class Endpoint {
  /** Requests in flight (least-request balancing). */
  active = 0;
  healthy = true;
  readonly outlier = new OutlierState();
  readonly pool: UpstreamPool;
  readonly origin: string;
  readonly #https: boolean;
  readonly #hostname: string;
  readonly #port: number;
  #tls: TlsState | undefined;

  constructor(
    readonly url: URL,
    /** Host header sent upstream unless the route rewrites it. */
    readonly host: string,
    private readonly options: EndpointOptions,
  ) {
    this.origin = url.origin;
    this.#https = url.protocol === 'https:';
    this.#hostname = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || (this.#https ? 443 : 80));
    this.pool = new UpstreamPool({
      dial: (onread, callback) => this.#dial(onread, callback),
      maxConnections: options.maxConnections,
      maxQueued: options.maxQueued ?? Math.max(1024, options.maxConnections * 4),
      idleTimeoutMs: options.idleTimeoutMs,
      // An upstream's `Keep-Alive: timeout=N` is honoured minus this margin, so the proxy closes
      // idle connections before the upstream does.
      keepAliveMarginMs: Math.min(1000, Math.floor(options.idleTimeoutMs / 2)),
    });
  }

  /** The connection options of the current TLS files (throws while they were never usable). */
  #tlsState(): TlsState {
    const files = this.options.tls;
    const generation = files?.generation ?? 0;
    if (this.#tls === undefined || this.#tls.generation !== generation) {
      // SNI: the config's servername, else the DNS name (never an address).
      const { ca, cert, key, minVersion, ...rest } = files?.connectionOptions(this.options.serverName) ?? {};
      const options: ConnectionOptions = {
        ...rest,
        // One secure context per generation of the files, not one per connection.
        secureContext: createSecureContext({ ca, cert, key, minVersion: minVersion ?? 'TLSv1.2' }),
        rejectUnauthorized: rest.rejectUnauthorized ?? true,
        ALPNProtocols: ['http/1.1'],
      };
      if (options.servername === undefined && isIP(this.#hostname) === 0) options.servername = this.#hostname;
      // A rotated certificate gets a new cache, so old sessions are never resumed with it.
      this.#tls = { generation, options, sessions: new Map() };
    }
    return this.#tls;
  }

  /** A connected socket (TCP, or TLS after its handshake), or the connect failure. */
  #dial: Dialer = (onread, callback) => {
    let socket: Socket;
    let done = false;
    const settle = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', settle);
      if (err !== null) {
        socket.on('error', () => {}); // a late error of a socket given up on must not crash the process
        socket.destroy();
        callback(err, null);
      } else callback(null, socket);
    };
    if (this.#https) {
      let state: TlsState;
      try {
        state = this.#tlsState();
      } catch (error) {
        // TLS files that were never usable: this connection fails (as a connect failure).
        process.nextTick(() => callback(error as Error, null));
        return;
      }
      const key = state.options.servername ?? this.#hostname;
      const tlsSocket = tlsConnect({
        ...state.options,
        host: this.#hostname,
        port: this.#port,
        session: state.sessions.get(key),
        ...(onread === undefined ? {} : { onread }),
      });
      tlsSocket.on('session', (session: Buffer) => {
        if (state.sessions.size >= MAX_CACHED_SESSIONS && !state.sessions.has(key)) state.sessions.clear();
        state.sessions.set(key, session);
      });
      tlsSocket.once('secureConnect', () => settle(null));
      socket = tlsSocket;
    } else {
      socket = netConnect({ host: this.#hostname, port: this.#port, ...(onread === undefined ? {} : { onread }) });
      socket.once('connect', () => settle(null));
    }
    socket.on('error', settle);
    const timer = setTimeout(
      () => settle(new UpstreamSocketError(`connect timeout (${this.options.connectTimeoutMs} ms)`, 'ETIMEDOUT')),
      this.options.connectTimeoutMs,
    );
  };

  /**
   * A raw connection to this endpoint outside the pool (TCP, or TLS with the cluster's settings),
   * for an upgraded request (WebSocket) that leaves HTTP behind.
   */
  connectRaw(callback: (err: Error | null, socket: Socket | null) => void): void {
    this.#dial(undefined, callback);
  }

  /** Open connections of the pool. */
  connections(): number {
    return this.pool.connected;
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
