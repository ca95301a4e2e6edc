/** The http sink's retry decision: the shared status classification (2xx OK; 408/429/5xx RETRY). */
import type { HttpResponse } from '../../delivery/http-client.js';
import { type Outcome, outcomeForStatus } from '../../delivery/outcome.js';

export function decideHttp(response: HttpResponse): Outcome {
  return outcomeForStatus(response.status, response.body, response.headers['retry-after']);
}
