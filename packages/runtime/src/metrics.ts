/** One prom-client registry per process (never the global one: tests build two). */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

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

/**
 * `<prefix>log_dropped_lines_total`, read from the logger's count (`LoggerHandle.droppedLines`):
 * the logger exists before the registry, so the counter is read at scrape time.
 */
export function registerLogDropCounter(registry: Registry, prefix: string, droppedLogLines: () => number): void {
  new Counter({
    name: `${prefix}log_dropped_lines_total`,
    help: 'Log lines dropped because stdout did not take them (stalled or closed); bounded buffer, see the runtime README.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(droppedLogLines());
    },
  });
}
