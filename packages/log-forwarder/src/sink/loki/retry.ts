/**
 * Loki's answers: 204 (or 200) delivered; 429 (rate limit) and 5xx retried, honouring Retry-After;
 * 400 (too old, too far in the future, bad labels, line too long) is a rejection: dead-letter.
 * The body is plain text naming the problem, kept in the reason.
 */
import type { HttpResponse } from '../../delivery/http-client.js';
import { type Outcome, outcomeForStatus } from '../../delivery/outcome.js';

export function decideLoki(response: HttpResponse): Outcome {
  return outcomeForStatus(response.status, response.body, response.headers['retry-after']);
}
