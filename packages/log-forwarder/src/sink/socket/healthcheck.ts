/** Socket healthcheck: the connection can be opened (tcp, tls, unix); nothing to check for udp. */
import type { StreamTransport } from '../../delivery/stream-transport.js';

export function socketHealthcheck(transport: StreamTransport, signal: AbortSignal): Promise<void> {
  return transport.check(signal);
}
