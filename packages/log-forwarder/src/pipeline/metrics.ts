/** The forwarder's own metrics (`outrigger_log_forwarder_*`): per file, per sink, per pipeline. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Tailer } from '../source/tailer.js';

export interface MetricsContext {
  readonly metrics: Registry;
  metricName(suffix: string): string;
}

export type PipelineMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(ctx: MetricsContext, tailers: () => Tailer[], inFlight: () => number, sinkLag: () => Map<string, number>) {
  const registers = [ctx.metrics];
  const n = (s: string) => ctx.metricName(s);
  const readBytes = new Counter({ name: n('read_bytes_total'), help: 'Bytes read per file.', labelNames: ['source', 'file'], registers });
  const rotations = new Counter({
    name: n('rotations_total'),
    help: 'Rotations noticed per file.',
    labelNames: ['source', 'file'],
    registers,
  });
  const truncations = new Counter({
    name: n('truncations_total'),
    help: 'Truncations noticed per file.',
    labelNames: ['source', 'file'],
    registers,
  });
  new Gauge({
    name: n('lag_bytes'),
    help: 'Bytes written to a file and not yet acknowledged by the sinks.',
    labelNames: ['source', 'file'],
    registers,
    collect() {
      this.reset();
      for (const t of tailers()) this.set({ source: t.source, file: t.path }, t.lag);
    },
  });
  new Gauge({
    name: n('open_files'),
    help: 'Files open for reading.',
    registers,
    collect() {
      this.set(tailers().length);
    },
  });
  new Gauge({
    name: n('in_flight_bytes'),
    help: 'Bytes read and not yet acknowledged by every sink that received them.',
    registers,
    collect() {
      this.set(inFlight());
    },
  });
  new Gauge({
    name: n('sink_lag_bytes'),
    help: 'Per sink: bytes written to the files it takes and not yet acknowledged by it (its backlog, read again from the files).',
    labelNames: ['sink'],
    registers,
    collect() {
      this.reset();
      for (const [sink, lag] of sinkLag()) this.set({ sink }, lag);
    },
  });
  const sinkEvents = new Counter({ name: n('sink_events_total'), help: 'Events handed to each sink.', labelNames: ['sink'], registers });
  const sinkAcked = new Counter({
    name: n('sink_acked_events_total'),
    help: 'Events each sink acknowledged.',
    labelNames: ['sink'],
    registers,
  });
  const sinkFailed = new Counter({
    name: n('sink_failed_events_total'),
    help: 'Events in batches a sink failed to take (retried).',
    labelNames: ['sink'],
    registers,
  });
  const dropped = new Counter({
    name: n('dropped_events_total'),
    help: 'Events dropped on purpose, by reason.',
    labelNames: ['reason', 'component'],
    registers,
  });
  const parseErrors = new Counter({
    name: n('parse_errors_total'),
    help: 'Lines that did not parse (delivered raw, flagged).',
    labelNames: ['source'],
    registers,
  });
  const truncatedLines = new Counter({
    name: n('truncated_lines_total'),
    help: 'Lines cut at max_line_bytes.',
    labelNames: ['source'],
    registers,
  });
  const givenUpBytes = new Counter({
    name: n('given_up_bytes_total'),
    help: 'Unread bytes of rotated or deleted files given up at max_open_files or the retention bounds, by reason.',
    labelNames: ['source', 'reason'],
    registers,
  });
  const givenUpFiles = new Counter({
    name: n('given_up_files_total'),
    help: 'Rotated or deleted files closed before they were read to their end, by reason.',
    labelNames: ['source', 'reason'],
    registers,
  });
  const checkpointWrites = new Counter({ name: n('checkpoint_writes_total'), help: 'Checkpoint files written.', registers });
  const checkpointErrors = new Counter({ name: n('checkpoint_errors_total'), help: 'Checkpoint writes that failed.', registers });
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
