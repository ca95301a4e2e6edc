/**
 * Per-sink delivery metrics, labelled by `sink`. Several sinks share one registry, so each metric
 * is created once and reused (`getOrCreate`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SinkContext } from '../sink/sink.js';

type Labels = 'sink';

/** Suffixes of the per-sink gauges made so far: what `forget` removes a sink's series from. */
const sinkGauges = new Set<string>();

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export class SinkMetrics {
  readonly sentEvents: Counter<Labels>;
  readonly sentBytes: Counter<Labels>;
  readonly requests: Counter<Labels | 'outcome'>;
  readonly retries: Counter<Labels>;
  readonly deadLettered: Counter<Labels>;
  readonly deadLetterOverflow: Counter<Labels>;
  readonly dropped: Counter<Labels | 'reason'>;
  readonly duration: Histogram<Labels>;
  readonly inFlightEvents: Gauge<Labels>;
  readonly inFlightBytes: Gauge<Labels>;
  readonly blocked: Gauge<Labels>;
  readonly deadLetterFull: Gauge<Labels>;
  readonly healthy: Gauge<Labels>;
  readonly labelCardinality: Counter<Labels | 'label'>;

  constructor(
    ctx: Pick<SinkContext, 'metrics' | 'metricName'>,
    readonly sink: string,
  ) {
    const registry = ctx.metrics;
    const registers = [registry];
    const counter = <L extends string>(suffix: string, help: string, labelNames: L[]) => {
      const name = ctx.metricName(suffix);
      return getOrCreate(registry, name, () => new Counter<L>({ name, help, labelNames, registers }));
    };
    const gauge = (suffix: string, help: string) => {
      sinkGauges.add(suffix);
      const name = ctx.metricName(suffix);
      return getOrCreate(registry, name, () => new Gauge<Labels>({ name, help, labelNames: ['sink'], registers }));
    };
    this.sentEvents = counter('sink_sent_events_total', 'Events delivered to the remote (acknowledged by it).', ['sink']);
    this.sentBytes = counter('sink_sent_bytes_total', 'Request body bytes delivered (after compression).', ['sink']);
    this.requests = counter('sink_requests_total', 'Requests (batches) sent, by outcome: ok, retry, error, partial.', ['sink', 'outcome']);
    this.retries = counter('sink_retries_total', 'Requests sent again after a retryable failure.', ['sink']);
    this.deadLettered = counter('sink_dead_lettered_events_total', 'Events rejected by the remote and written to the dead-letter file.', [
      'sink',
    ]);
    this.deadLetterOverflow = counter(
      'sink_dead_letter_overflow_events_total',
      'Rejected events dropped because the dead-letter file reached dead_letter.max_bytes (dead_letter.on_full: drop).',
      ['sink'],
    );
    this.dropped = counter('sink_dropped_events_total', 'Events dropped by an explicit per-sink policy, by reason.', ['sink', 'reason']);
    this.labelCardinality = counter(
      'sink_label_overflow_events_total',
      'Events whose label value was replaced because the label exceeded its cardinality limit.',
      ['sink', 'label'],
    );
    const durationName = ctx.metricName('sink_request_duration_seconds');
    this.duration = getOrCreate(
      registry,
      durationName,
      () =>
        new Histogram<Labels>({
          name: durationName,
          help: 'Latency of one delivery attempt.',
          labelNames: ['sink'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    );
    this.inFlightEvents = gauge('sink_in_flight_events', 'Events handed to the sink and not yet acknowledged (its backlog).');
    this.inFlightBytes = gauge('sink_in_flight_bytes', 'Bytes (as read) handed to the sink and not yet acknowledged.');
    this.blocked = gauge('sink_reading_paused', '1 while the sink’s in-flight cap is reached and reading for it is paused.');
    this.deadLetterFull = gauge(
      'sink_dead_letter_full',
      '1 while the dead-letter file is at dead_letter.max_bytes and rejected events wait for room (nothing is acknowledged; reading pauses).',
    );
    this.healthy = gauge('sink_healthy', '1 when the sink’s last delivery or healthcheck succeeded.');
    for (const g of [this.inFlightEvents, this.inFlightBytes, this.blocked, this.deadLetterFull]) g.set({ sink }, 0);
    this.healthy.set({ sink }, 1);
  }

  /** A sink a reload removed: its gauges stop reporting (a last value would read as current). */
  static forget(ctx: Pick<SinkContext, 'metrics' | 'metricName'>, sink: string): void {
    for (const suffix of sinkGauges) (ctx.metrics.getSingleMetric(ctx.metricName(suffix)) as Gauge<Labels> | undefined)?.remove({ sink });
  }
}
