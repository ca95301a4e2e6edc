// The idle configs the footprint benchmarks run each sidecar with: listeners and sources open,
// remote peers on a closed port (idle means idle).
import { join } from 'node:path';

const closed = 'http://127.0.0.1:9';

/** Nothing is in flight when a run ends: stop at once (the egress-proxy would serve for 20 s). */
export const shutdown = { drain_timeout_ms: 0 };

/** The sections of a pod config, one per sidecar, with state and logs below `dir`. */
export function sections(dir) {
  return {
    log_forwarder: {
      state_dir: join(dir, 'state'),
      sources: { app: { type: 'file', include: [join(dir, 'logs', '*.log')] } },
      sinks: { loki: { type: 'loki', inputs: ['app'], endpoint: closed, labels: { app: 'bench' } } },
    },
    egress_proxy: {
      listen: '127.0.0.1:0',
      routes: [{ name: 'payments', match: { path_prefix: '/payments/' }, cluster: 'payments' }],
      clusters: { payments: { endpoints: [closed] } },
    },
    api_adapter: {
      mode: 'inbound',
      listen: '127.0.0.1:0',
      upstream: { url: closed, version: '1' },
      versioning: { header: 'api-version' },
      versions: [{ version: '1', changes: [] }],
    },
  };
}
