/** Socket writes: OK once handed to the kernel; connection failures RETRY; oversized datagrams ERROR. */
import { Delivery, type Outcome } from '../../delivery/outcome.js';

export function decideSocketError(error: unknown): Outcome {
  const reason = (error as Error).message;
  if (reason.includes('EMSGSIZE')) return { kind: Delivery.ERROR, reason };
  return { kind: Delivery.RETRY, reason, ...(reason.startsWith('TLS') ? { code: 'OUTRIGGER_E_LF_SINK_TLS' } : {}) };
}
