/**
 * Syslog has no application-level answer: a write handed to the kernel is OK; a connection
 * error, reset or timeout is RETRY (on a new connection); a datagram too large is ERROR.
 */
import { Delivery, type Outcome } from '../../delivery/outcome.js';

export function decideSyslogError(error: unknown): Outcome {
  const reason = (error as Error).message;
  if (reason.includes('EMSGSIZE')) return { kind: Delivery.ERROR, reason };
  return { kind: Delivery.RETRY, reason, ...(reason.startsWith('TLS') ? { code: 'OUTRIGGER_E_LF_SINK_TLS' } : {}) };
}
