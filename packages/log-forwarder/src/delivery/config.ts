/**
 * Config keys shared by every remote sink: batching, retries, concurrency, the in-flight cap, the
 * dead-letter file and the healthcheck. Each sink spreads `deliveryProperties` into its schema.
 */
import { type Static, Type } from '@sinclair/typebox';

export const BatchSchema = Type.Object(
  {
    max_events: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Send a request once this many events are waiting.',
    }),
    max_bytes: Type.Integer({
      minimum: 1024,
      default: 1_048_576,
      description: 'Send a request once the waiting events add up to this many bytes (as read).',
    }),
    timeout_ms: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'Send a request once its oldest event has waited this long, full or not.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'How events are grouped into requests.' },
);

export const RetrySchema = Type.Object(
  {
    initial_backoff_ms: Type.Integer({
      minimum: 1,
      default: 500,
      description: 'Upper bound of the first backoff; each retry doubles it (full jitter: the wait is random below it).',
    }),
    max_backoff_ms: Type.Integer({
      minimum: 1,
      default: 30_000,
      description: 'Cap of the backoff between two attempts. A server’s Retry-After is honoured even when longer.',
    }),
    max_attempts: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Attempts before giving up on a request; 0 retries forever (the default: the log file is the buffer).',
    }),
    on_exhausted: Type.Union([Type.Literal('dead_letter'), Type.Literal('drop')], {
      default: 'dead_letter',
      description:
        'What happens to a request whose max_attempts are used up: written to the dead-letter file, or dropped (counted in outrigger_log_forwarder_sink_dropped_events_total).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Retries of failed requests (network errors, timeouts, 408, 429, 5xx).' },
);

export const DeadLetterSchema = Type.Object(
  {
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'JSON-lines file for rejected events. Default: `<state_dir>/dead-letter/<sink name>.jsonl`.',
      }),
    ),
    max_bytes: Type.Integer({
      minimum: 1024,
      default: 104_857_600,
      description: 'Size cap of the dead-letter file. What happens once it is reached is `on_full`.',
    }),
    on_full: Type.Union([Type.Literal('block'), Type.Literal('drop')], {
      default: 'block',
      description:
        'When the dead-letter file is at max_bytes: `block` holds the rejected events and stops acknowledging (reading pauses, the log files stay the buffer) until the file has room again (moved, truncated or a larger cap); `drop` drops them, counted (outrigger_log_forwarder_sink_dead_letter_overflow_events_total) and logged.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Where events the remote rejected for good (4xx other than 408/429) are kept.' },
);

export const HealthcheckSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Check the remote at start (and while unhealthy and idle); each check gives up after 5 s (or request_timeout_ms).',
    }),
    interval_ms: Type.Integer({
      minimum: 100,
      default: 10_000,
      description: 'While the sink is unhealthy and idle, how often the healthcheck runs again.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The sink’s healthcheck; /readyz reflects its result.' },
);

export const deliveryProperties = {
  batch: BatchSchema,
  retry: RetrySchema,
  request_timeout_ms: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'Time allowed for one request (connect, send, response); a timeout is retried.',
  }),
  concurrency: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description: 'Requests in flight at once. Acknowledgements stay in order whatever the concurrency.',
  }),
  max_in_flight_bytes: Type.Integer({
    minimum: 1024,
    default: 8_388_608,
    description: 'Bytes (as read) this sink may hold unacknowledged; once reached, reading for this sink pauses until deliveries complete.',
  }),
  dead_letter: DeadLetterSchema,
  healthcheck: HealthcheckSchema,
};

export const DeliverySchema = Type.Object(deliveryProperties);
export type DeliveryConfig = Static<typeof DeliverySchema>;

export function inputsSchema() {
  return Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    description: 'Names of the sources or transforms whose events this sink receives.',
  });
}
