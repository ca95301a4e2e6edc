/**
 * HEC answers `{"text":..,"code":N}`. 200 is success; 503 (server busy, code 9) and 5xx/429 are
 * retried; 401/403 (token missing, invalid or disabled) are retried with the token re-read; other
 * 4xx (invalid data format, code 6; no data, code 5; incorrect index, code 7) are dead-lettered.
 */
import type { HttpResponse } from '../../delivery/http-client.js';
import { type Outcome, outcomeForStatus } from '../../delivery/outcome.js';

export function decideHec(response: HttpResponse): Outcome {
  return outcomeForStatus(response.status, response.body, response.headers['retry-after']);
}
