import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { BasicAuthSchema } from '../../delivery/auth.js';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const ApiKeyAuthSchema = Type.Object(
  {
    type: Type.Literal('api_key', { description: 'An Elasticsearch API key (Authorization: ApiKey ...).' }),
    key_file: Type.String({
      minLength: 1,
      format: 'file',
      description: 'File holding the base64 "id:api_key" credential (re-read when it changes).',
    }),
  },
  { additionalProperties: false },
);

export const ElasticsearchSinkSchema = Type.Object(
  {
    type: Type.Literal('elasticsearch', { description: 'Index events into Elasticsearch or OpenSearch with the _bulk API.' }),
    inputs: inputsSchema(),
    endpoint: Type.String({ format: 'http-url', description: 'Base URL of the cluster (e.g. http://elasticsearch:9200).' }),
    index: Type.String({
      minLength: 1,
      description:
        'Target index or data stream. A template: `{{ field }}` from the event, `%Y`, `%m`, `%d` from its timestamp (UTC), e.g. logs-app-%Y.%m.%d.',
    }),
    op_type: Type.Union([Type.Literal('create'), Type.Literal('index')], {
      default: 'create',
      description:
        'Bulk action. create (with the deterministic _id) makes a re-sent event a 409, counted as delivered: no duplicates. index overwrites.',
    }),
    pipeline: Type.Optional(Type.String({ minLength: 1, description: 'Ingest pipeline to run the documents through.' })),
    filter_response: Type.Boolean({
      default: true,
      description:
        'Ask for only the items’ status and error in _bulk answers (filter_path): an eighth of the bytes to read. false for an Elasticsearch-compatible store that refuses filter_path.',
    }),
    timestamp_field: Type.String({
      default: '@timestamp',
      description: 'Field the event timestamp is copied into (data streams need @timestamp); empty to leave events as they are.',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'none',
      description: 'Compress request bodies (Content-Encoding: gzip).',
    }),
    auth: Type.Optional(
      Type.Union([BasicAuthSchema, ApiKeyAuthSchema], {
        description: '{ type: basic, user, password_file } or { type: api_key, key_file }.',
      }),
    ),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type ElasticsearchSinkConfig = Static<typeof ElasticsearchSinkSchema>;
