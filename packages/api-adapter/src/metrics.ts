/** The adapter's Prometheus metrics (`outrigger_api_adapter_*`), registered on the runtime's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BufferBudget } from './body/budget.js';

export type PassThroughReason = 'malformed_json' | 'too_large' | 'unsupported_encoding' | 'bad_encoding' | 'not_json';

export class AdapterMetrics {
  readonly requests: Counter<'version' | 'status_class'>;
  readonly changes: Counter<'version' | 'change'>;
  readonly transformSeconds: Histogram<'message'>;
  readonly passThrough: Counter<'message' | 'reason'>;
  readonly errors: Counter<'code'>;
  readonly droppedConnections: Counter;
  readonly walkLimits: Counter<'limit'>;
  private budget: BufferBudget | undefined;

  constructor(registry: Registry, name: (suffix: string) => string) {
    const registers = [registry];
    this.requests = new Counter({
      name: name('requests_total'),
      help: 'Requests answered, by the API version served to the caller and the status class',
      labelNames: ['version', 'status_class'],
      registers,
    });
    this.changes = new Counter({
      name: name('changes_applied_total'),
      help: 'Exchanges a version change applied to (change = "<version>#<index in its list>")',
      labelNames: ['version', 'change'],
      registers,
    });
    this.transformSeconds = new Histogram({
      name: name('transform_duration_seconds'),
      help: 'Time to decode, parse, transform, serialise and encode a body',
      labelNames: ['message'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.passThrough = new Counter({
      name: name('untransformed_bodies_total'),
      help: 'Bodies on routes with changes that went through untransformed, by reason',
      labelNames: ['message', 'reason'],
      registers,
    });
    this.errors = new Counter({
      name: name('errors_total'),
      help: 'Errors the adapter answered itself, by code',
      labelNames: ['code'],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: name('buffered_bytes'),
      help: 'Body bytes buffered by all exchanges now (bounded by body.max_buffered_bytes)',
      registers,
      collect() {
        this.set(metrics.budget?.buffered ?? 0);
      },
    });
    this.walkLimits = new Counter({
      name: name('resource_walk_limits_total'),
      help: 'Bodies whose resource walk stopped at body.resource_max_depth or body.resource_max_nodes (the rest went unchanged)',
      labelNames: ['limit'],
      registers,
    });
    this.droppedConnections = new Counter({
      name: name('dropped_connections_total'),
      help: 'Caller connections closed on arrival because server.max_connections were open',
      registers,
    });
  }

  /** Reports the budget's use on each scrape. */
  observeBudget(budget: BufferBudget): void {
    this.budget = budget;
  }
}
