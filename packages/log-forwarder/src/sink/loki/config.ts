import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { AuthSchema } from '../../delivery/auth.js';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

/** Loki label names: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME = '^[a-zA-Z_][a-zA-Z0-9_]*$';

export const LokiSinkSchema = Type.Object(
  {
    type: Type.Literal('loki', { description: 'Push events to Grafana Loki (push API, JSON).' }),
    inputs: inputsSchema(),
    endpoint: Type.String({ format: 'http-url', description: 'Base URL of Loki (e.g. http://loki:3100).' }),
    path: Type.String({ pattern: '^/', default: '/loki/api/v1/push', description: 'Path of the push API.' }),
    labels: Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String(), {
      minProperties: 1,
      description:
        'Stream labels. Values are templates: `{{ field }}` takes the value from the event. Keep labels low-cardinality (see max_label_values).',
    }),
    structured_metadata: Type.Record(Type.String({ pattern: LABEL_NAME }), Type.String(), {
      default: {},
      description: 'Per-entry structured metadata (templates), for high-cardinality values such as trace ids.',
    }),
    max_label_values: Type.Integer({
      minimum: 1,
      default: 100,
      description:
        'Distinct values a templated label may take while the process runs; past it, new values are replaced by "__overflow__" and counted (a guard against high-cardinality streams).',
    }),
    tenant_id: Type.Optional(Type.String({ minLength: 1, description: 'Tenant, sent as the X-Scope-OrgID header.' })),
    encoding: Type.Union([Type.Literal('json'), Type.Literal('raw')], {
      default: 'json',
      description: 'Log line: the whole event as JSON (json) or the message only (raw).',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'none',
      description: 'Compress request bodies (Content-Encoding: gzip).',
    }),
    auth: Type.Optional(AuthSchema),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type LokiSinkConfig = Static<typeof LokiSinkSchema>;

/** Fields that are different for (almost) every event: as labels they would create a stream per line. */
export const HIGH_CARDINALITY_FIELDS = new Set(['message', 'timestamp', 'id', 'offset', 'trace_id', 'span_id', 'request_id']);
