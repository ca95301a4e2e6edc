/** Builds the OTLP/HTTP request (`Content-Type: application/json`). */
import type { HttpRequestSpec } from '../../delivery/http-service.js';
import type { RequestEvents } from '../../delivery/request.js';
import type { OtlpSinkConfig } from './config.js';
import { encodeOtlp } from './encoder.js';

export function buildOtlpRequest(config: OtlpSinkConfig, path: string, request: RequestEvents, into?: Buffer): HttpRequestSpec {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  return { path, headers, body: encodeOtlp(config, request, Date.now(), into) };
}
