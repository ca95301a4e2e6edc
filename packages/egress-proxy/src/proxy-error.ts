/**
 * Errors the proxy itself makes (not the upstream's): a status, a small JSON body and the
 * `x-outrigger-flags` header, so the app can tell them from the upstream's own errors.
 */
import { type ErrorCode, errorCodes } from './errors.js';
import { httpDate } from './http/date.js';
import type { AppResponse } from './listener/app-response.js';

/** Response flags in Envoy's spirit (shown in the access log and `x-outrigger-flags`). */
export const Flags = {
  /** no route matched */
  NoRoute: 'NR',
  /** no healthy (or non-ejected) endpoint */
  NoHealthyUpstream: 'UH',
  /** upstream connect failure */
  ConnectFailure: 'UF',
  /** upstream timeout (route or per-try) */
  Timeout: 'UT',
  /** circuit breaker overflow */
  Overflow: 'UO',
  /** local rate limit */
  RateLimited: 'RL',
  /** upstream reset / closed the connection */
  Reset: 'UR',
  /** retries exhausted or refused (attempts, budget) on a retriable failure */
  RetryLimit: 'URX',
  /** the app (downstream) stopped sending its request headers or body in time (408) */
  DownstreamTimeout: 'DT',
  /** the app (downstream) went away */
  DownstreamClosed: 'DC',
  /** credentials of the route unavailable */
  Credentials: 'CR',
  /** request body over max_body_bytes */
  BodyTooLarge: 'BL',
  /**
   * not retried: the request is not idempotent (and has no Idempotency-Key) and the upstream may
   * already have received it
   */
  NotIdempotent: 'NIR',
  /** refused by the forward proxy's egress policy (403) */
  EgressDenied: 'ED',
  /** forward-proxy authentication missing or wrong (407) */
  ProxyAuth: 'PA',
  /** the forward proxy's target did not resolve */
  DnsFailure: 'DF',
  /** an upstream 5xx passed on to the app as it came */
  UpstreamError: 'UE',
} as const;

export type Flag = (typeof Flags)[keyof typeof Flags];

export interface ProxyError {
  status: number;
  code: ErrorCode;
  flags: readonly Flag[];
  /** Seconds, for 503/429. */
  retryAfter?: number | undefined;
  detail?: string | undefined;
}

export function proxyErrorBody(error: ProxyError, requestId: string | undefined): string {
  return JSON.stringify({
    error: { code: error.code, message: error.detail ?? errorCodes[error.code], flags: error.flags.join(',') },
    request_id: requestId,
  });
}

/** Writes a proxy-made error if the response has not started; else ends the connection. */
export function sendProxyError(
  res: AppResponse,
  error: ProxyError,
  requestId: string | undefined,
  requestIdHeader: string,
  close = false,
  extraHeaders?: Record<string, string | readonly string[]>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = proxyErrorBody(error, requestId);
  const headers: Record<string, string | readonly string[]> = {
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-outrigger-flags': error.flags.join(','),
    via: '1.1 outrigger',
  };
  if (requestId !== undefined) headers[requestIdHeader] = requestId;
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (close) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A proxy-made error as raw HTTP/1.1 bytes, for sockets that no `AppResponse` owns (refused
 * heads, CONNECT, upgrades); the connection is closed after it.
 */
export function rawProxyError(error: ProxyError, requestId?: string, extraHeaders = ''): string {
  const body = proxyErrorBody(error, requestId);
  return (
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\ndate: ${httpDate()}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nx-outrigger-flags: ${error.flags.join(',')}\r\nvia: 1.1 outrigger\r\n${extraHeaders}\r\n${body}`
  );
}
