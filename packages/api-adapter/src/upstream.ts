/**
 * The connection pool to the upstream (undici `Pool`): plain HTTP to the app in inbound mode, or
 * HTTPS with TLS origination to an external service in outbound mode.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';
import type { AdapterConfig } from './config.js';

export function tlsOptions(cfg: AdapterConfig['upstream'], resolvePath: (p: string) => string): ConnectionOptions {
  const tls = cfg.tls ?? { insecure_skip_verify: false };
  const opts: ConnectionOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.ca_file) opts.ca = readFileSync(resolvePath(tls.ca_file));
  if (tls.cert_file) opts.cert = readFileSync(resolvePath(tls.cert_file));
  if (tls.key_file) opts.key = readFileSync(resolvePath(tls.key_file));
  if (tls.servername) opts.servername = tls.servername;
  return opts;
}

export function createPool(cfg: AdapterConfig['upstream'], resolvePath: (p: string) => string): Pool {
  const url = new URL(cfg.url);
  return new Pool(url.origin, {
    connections: cfg.connections ?? 128,
    headersTimeout: cfg.timeout_ms ?? 30_000,
    bodyTimeout: cfg.body_timeout_ms ?? 30_000,
    keepAliveTimeout: 4_000,
    // HTTP/1.1 only (undici 8 would take h2 when a TLS upstream offers it): headers pass through
    // as HTTP/1.1 messages, hop-by-hop ones included.
    allowH2: false,
    connect: url.protocol === 'https:' ? tlsOptions(cfg, resolvePath) : {},
  });
}
