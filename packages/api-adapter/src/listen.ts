/**
 * Where the data listener binds. Outbound mode relays calls with the pod's credentials (its
 * client certificate, its egress rights), so it defaults to loopback and binding it anywhere
 * else must be asked for (`listen_beyond_loopback`); `check` still warns when it is.
 */
import { type ConfigIssue, redactUrl, tryParseHostPort } from '@outrigger/runtime';
import type { AdapterConfig } from './config.js';

type ListenConfig = Pick<AdapterConfig, 'mode' | 'listen' | 'listen_beyond_loopback' | 'upstream'>;

/** The configured address, or the mode's default. */
export function listenAddress(config: Pick<AdapterConfig, 'mode' | 'listen'>): string {
  return config.listen ?? (config.mode === 'outbound' ? '127.0.0.1:8080' : '0.0.0.0:8080');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** True when an outbound listener would be reachable from outside the pod. */
function outboundExposed(config: ListenConfig): boolean {
  const host = tryParseHostPort(listenAddress(config))?.host;
  return config.mode === 'outbound' && host !== undefined && !isLoopback(host);
}

export function listenIssues(config: ListenConfig): ConfigIssue[] {
  if (!outboundExposed(config) || config.listen_beyond_loopback) return [];
  return [
    {
      path: 'listen',
      message: `outbound mode listens on loopback only (it relays with the pod's credentials), got ${JSON.stringify(config.listen)}; set listen_beyond_loopback: true to bind there anyway`,
    },
  ];
}

export function listenWarnings(config: ListenConfig): ConfigIssue[] {
  if (!outboundExposed(config)) return [];
  return [
    {
      path: 'listen',
      severity: 'warning',
      message: `outbound mode on ${config.listen}: whoever reaches this address calls ${redactUrl(config.upstream.url)} with the pod's credentials`,
    },
  ];
}
