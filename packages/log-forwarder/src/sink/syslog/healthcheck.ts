/** Syslog healthcheck: the TCP/TLS connection can be opened (and the certificate verifies). */
import type { StreamTransport } from '../../delivery/stream-transport.js';

export function syslogHealthcheck(transport: StreamTransport, signal: AbortSignal): Promise<void> {
  return transport.check(signal);
}
