import { Type } from '@sinclair/typebox';

/** The `timestamp` option shared by the structured parsers. */
export const timestampOption = Type.Object(
  {
    field: Type.String({ description: 'Field holding the time (dotted path for nested fields).' }),
    format: Type.String({
      default: 'rfc3339',
      description: 'rfc3339 | unix | unix_ms | unix_us | unix_ns | a strftime pattern such as "%d/%b/%Y:%H:%M:%S %z".',
    }),
    keep_field: Type.Boolean({ default: false, description: 'Keep the source field after moving it to `timestamp`.' }),
  },
  { additionalProperties: false, description: 'Parse the event time from a field; without it the read time is used.' },
);
