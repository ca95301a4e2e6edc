import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { AuthSchema } from '../../delivery/auth.js';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const HttpSinkSchema = Type.Object(
  {
    type: Type.Literal('http', { description: 'POST events to an HTTP endpoint as NDJSON or a JSON array.' }),
    inputs: inputsSchema(),
    endpoint: Type.String({ format: 'http-url', description: 'URL the events are sent to (http or https).' }),
    method: Type.Union([Type.Literal('POST'), Type.Literal('PUT')], { default: 'POST', description: 'HTTP method.' }),
    encoding: Type.Union([Type.Literal('ndjson'), Type.Literal('json_array')], {
      default: 'ndjson',
      description: 'Body format: one JSON object per line (ndjson) or one JSON array (json_array).',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'none',
      description: 'Compress request bodies (Content-Encoding: gzip).',
    }),
    headers: Type.Record(Type.String(), Type.String(), {
      default: {},
      description: 'Extra request headers (values may use ${VAR}; put secrets in auth instead).',
    }),
    auth: Type.Optional(AuthSchema),
    idempotency_header: Type.String({
      default: 'Idempotency-Key',
      description:
        'Header carrying a key derived from the request’s event ids, identical when the same events are sent again; empty to omit.',
    }),
    id_field: Type.Optional(
      Type.String({ minLength: 1, description: 'Also put each event’s deterministic id into this field of the event.' }),
    ),
    healthcheck_path: Type.Optional(
      Type.String({
        pattern: '^/',
        description: 'Path GET at start (expects 2xx). Default: any HTTP response to HEAD on the endpoint counts as reachable.',
      }),
    ),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type HttpSinkConfig = Static<typeof HttpSinkSchema>;
