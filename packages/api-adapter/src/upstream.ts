/**
 * The connection pool to the upstream (undici `Pool`): plain HTTP to the app in inbound mode, or
 * HTTPS with TLS origination to an external service in outbound mode. The TLS files are the
 * runtime's `TlsFiles`: when they change, new connections use them (pooled ones finish as they are).
 */
import type { TlsFiles } from '@outrigger/runtime';
import { buildConnector, Pool } from 'undici';
import type { AdapterConfig } from './config.js';

export function createPool(cfg: AdapterConfig['upstream'], tls: TlsFiles | undefined): Pool {
  const url = new URL(cfg.url);
  return new Pool(url.origin, {
    connections: cfg.connections ?? 128,
    headersTimeout: cfg.timeout_ms ?? 30_000,
    bodyTimeout: cfg.body_timeout_ms ?? 30_000,
    keepAliveTimeout: 4_000,
    // HTTP/1.1 only (undici 8 would take h2 when a TLS upstream offers it): headers pass through
    // as HTTP/1.1 messages, hop-by-hop ones included.
    allowH2: false,
    ...(tls ? { connect: currentConnector(tls) } : {}),
  });
}

/** A connector that is rebuilt from the current TLS files whenever they changed. */
function currentConnector(tls: TlsFiles): buildConnector.connector {
  let connector: buildConnector.connector | undefined;
  let generation = -1;
  return (opts, callback) => {
    if (connector === undefined || generation !== tls.generation) {
      try {
        // Throws while the files were never usable; SNI: undici sends the URL's host name.
        connector = buildConnector({ ...tls.connectionOptions(), allowH2: false } as buildConnector.BuildOptions);
      } catch (error) {
        process.nextTick(() => callback(error as Error, null));
        return;
      }
      generation = tls.generation;
    }
    return connector(opts, callback);
  };
}
