/** One prom-client registry per process (never the global one: tests build two). */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export function metricPrefix(sidecar: string): string {
  return `outrigger_${sidecar.replace(/-/g, '_')}_`;
}

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `outrigger_<sidecar>_info{version}` and `outrigger_<sidecar>_ready` for one sidecar of the process. */
export function registerSidecarMetrics(registry: Registry, sidecar: string, version: string, isReady: () => boolean): void {
  const prefix = metricPrefix(sidecar);
  const info = new Gauge({ name: `${prefix}info`, help: 'Build information; always 1.', labelNames: ['version'], registers: [registry] });
  info.set({ version }, 1);
  new Gauge({
    name: `${prefix}ready`,
    help: '1 while /readyz answers 200.',
    registers: [registry],
    collect() {
      this.set(isReady() ? 1 : 0);
    },
  });
}
