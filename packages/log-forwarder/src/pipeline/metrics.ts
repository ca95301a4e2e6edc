/** The forwarder's own metrics (`outrigger_log_forwarder_*`): per file, per sink, per pipeline. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Tailer } from '../source/tailer.js';

export interface MetricsContext {
  readonly metrics: Registry;
  metricName(suffix: string): string;
}

export type PipelineMetrics = ReturnType<typeof createMetrics>;

/** What the gauges read when scraped: the pipeline made last on that registry (a reload makes a new one). */
interface Readings {
  tailers: () => Tailer[];
  inFlight: () => number;
  sinkLag: () => Map<string, number>;
}
const readingsOf = new WeakMap<Registry, Readings>();

/**
 * Created once per registry and reused by the pipelines a reload builds on it, so counters carry
 * on across a reload and the gauges follow the running pipeline.
 */
export function createMetrics(ctx: MetricsContext, tailers: () => Tailer[], inFlight: () => number, sinkLag: () => Map<string, number>) {
  const registry = ctx.metrics;
  readingsOf.set(registry, { tailers, inFlight, sinkLag });
  const now = () => readingsOf.get(registry) as Readings;
  const registers = [registry];
  const n = (s: string) => ctx.metricName(s);
  const once = <T>(suffix: string, create: (name: string) => T): T =>
    (registry.getSingleMetric(n(suffix)) as T | undefined) ?? create(n(suffix));
  const readBytes = once(
    'read_bytes_total',
    (name) => new Counter({ name, help: 'Bytes read per file.', labelNames: ['source', 'file'], registers }),
  );
  const rotations = once(
    'rotations_total',
    (name) => new Counter({ name, help: 'Rotations noticed per file.', labelNames: ['source', 'file'], registers }),
  );
  const truncations = once(
    'truncations_total',
    (name) => new Counter({ name, help: 'Truncations noticed per file.', labelNames: ['source', 'file'], registers }),
  );
  once(
    'lag_bytes',
    (name) =>
      new Gauge({
        name,
        help: 'Bytes written to a file and not yet acknowledged by the sinks.',
        labelNames: ['source', 'file'],
        registers,
        collect() {
          this.reset();
          for (const t of now().tailers()) this.set({ source: t.source, file: t.path }, t.lag);
        },
      }),
  );
  once(
    'open_files',
    (name) =>
      new Gauge({
        name,
        help: 'Files open for reading.',
        registers,
        collect() {
          this.set(now().tailers().length);
        },
      }),
  );
  once(
    'in_flight_bytes',
    (name) =>
      new Gauge({
        name,
        help: 'Bytes read and not yet acknowledged by every sink that received them, each line counting 16 bytes more for its offsets.',
        registers,
        collect() {
          this.set(now().inFlight());
        },
      }),
  );
  once(
    'sink_lag_bytes',
    (name) =>
      new Gauge({
        name,
        help: 'Per sink: bytes written to the files it takes and not yet acknowledged by it (its backlog, read again from the files).',
        labelNames: ['sink'],
        registers,
        collect() {
          this.reset();
          for (const [sink, lag] of now().sinkLag()) this.set({ sink }, lag);
        },
      }),
  );
  const sinkEvents = once(
    'sink_events_total',
    (name) => new Counter({ name, help: 'Events handed to each sink.', labelNames: ['sink'], registers }),
  );
  const sinkAcked = once(
    'sink_acked_events_total',
    (name) => new Counter({ name, help: 'Events each sink acknowledged.', labelNames: ['sink'], registers }),
  );
  const sinkFailed = once(
    'sink_failed_events_total',
    (name) => new Counter({ name, help: 'Events in batches a sink failed to take (retried).', labelNames: ['sink'], registers }),
  );
  const dropped = once(
    'dropped_events_total',
    (name) => new Counter({ name, help: 'Events dropped on purpose, by reason.', labelNames: ['reason', 'component'], registers }),
  );
  const parseErrors = once(
    'parse_errors_total',
    (name) => new Counter({ name, help: 'Lines that did not parse (delivered raw, flagged).', labelNames: ['source'], registers }),
  );
  const truncatedLines = once(
    'truncated_lines_total',
    (name) => new Counter({ name, help: 'Lines cut at max_line_bytes.', labelNames: ['source'], registers }),
  );
  const givenUpBytes = once(
    'given_up_bytes_total',
    (name) =>
      new Counter({
        name,
        help: 'Unread bytes of rotated or deleted files given up at max_open_files or the retention bounds, by reason.',
        labelNames: ['source', 'reason'],
        registers,
      }),
  );
  const givenUpFiles = once(
    'given_up_files_total',
    (name) =>
      new Counter({
        name,
        help: 'Rotated or deleted files closed before they were read to their end, by reason.',
        labelNames: ['source', 'reason'],
        registers,
      }),
  );
  const checkpointWrites = once('checkpoint_writes_total', (name) => new Counter({ name, help: 'Checkpoint files written.', registers }));
  const checkpointErrors = once(
    'checkpoint_errors_total',
    (name) => new Counter({ name, help: 'Checkpoint writes that failed.', registers }),
  );
  return {
    readBytes,
    rotations,
    truncations,
    sinkEvents,
    sinkAcked,
    sinkFailed,
    dropped,
    truncatedLines,
    parseErrors,
    checkpointWrites,
    checkpointErrors,
    givenUpBytes,
    givenUpFiles,
    /** Removes the series of a file no tailer reads any more (keeps the label set bounded). */
    forgetFile(t: Tailer) {
      const labels = { source: t.source, file: t.path };
      for (const c of [readBytes, rotations, truncations]) c.remove(labels);
    },
  };
}
