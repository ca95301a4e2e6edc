import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const SplunkHecSinkSchema = Type.Object(
  {
    type: Type.Literal('splunk_hec', { description: 'Send events to a Splunk HTTP Event Collector (event endpoint).' }),
    inputs: inputsSchema(),
    endpoint: Type.String({ format: 'http-url', description: 'Base URL of the collector (e.g. https://splunk:8088).' }),
    token_file: Type.String({
      minLength: 1,
      format: 'file',
      description: 'File holding the HEC token (sent as "Authorization: Splunk <token>"; re-read when it changes).',
    }),
    index: Type.Optional(Type.String({ minLength: 1, description: 'Target index (a template: `{{ field }}`); default: the token’s.' })),
    source: Type.Optional(Type.String({ minLength: 1, description: 'source (a template); default: the file the line was read from.' })),
    sourcetype: Type.Optional(Type.String({ minLength: 1, description: 'sourcetype (a template).' })),
    host: Type.Optional(Type.String({ minLength: 1, description: 'host (a template); default: the collector’s choice.' })),
    encoding: Type.Union([Type.Literal('json'), Type.Literal('text')], {
      default: 'json',
      description: 'event: the whole event object (json) or the message string (text).',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'none',
      description: 'Compress request bodies (Content-Encoding: gzip).',
    }),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type SplunkHecSinkConfig = Static<typeof SplunkHecSinkSchema>;
