import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { AuthSchema } from '../../delivery/auth.js';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const OtlpSinkSchema = Type.Object(
  {
    type: Type.Literal('otlp', { description: 'Send events as OpenTelemetry logs (OTLP/HTTP, JSON encoding).' }),
    inputs: inputsSchema(),
    endpoint: Type.String({ format: 'http-url', description: 'Base URL of the OTLP receiver (e.g. http://otel-collector:4318).' }),
    path: Type.String({ pattern: '^/', default: '/v1/logs', description: 'Path of the logs signal.' }),
    resource_attributes: Type.Record(Type.String({ minLength: 1 }), Type.String(), {
      default: {},
      description: 'Attributes of the resource the logs come from (e.g. service.name, k8s.pod.name).',
    }),
    severity_field: Type.String({
      default: 'level',
      description: 'Event field holding the level; mapped to severityNumber (trace 1, debug 5, info 9, warn 13, error 17, fatal 21).',
    }),
    scope_name: Type.String({ default: 'outrigger-log-forwarder', description: 'Instrumentation scope name.' }),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Extra request headers.' }),
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

export type OtlpSinkConfig = Static<typeof OtlpSinkSchema>;
