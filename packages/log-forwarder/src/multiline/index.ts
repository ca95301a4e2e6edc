import { Type } from '@sinclair/typebox';

export const multilineSchema = Type.Object(
  {
    start_pattern: Type.Optional(
      Type.String({
        format: 'regex',
        description: 'A line matching this starts a new event; other lines are appended to the current one.',
      }),
    ),
    continuation_pattern: Type.Optional(
      Type.String({ format: 'regex', description: 'A line matching this is appended to the event before it.' }),
    ),
    preset: Type.Optional(
      Type.Union([Type.Literal('java'), Type.Literal('python'), Type.Literal('go')], {
        description: 'Built-in rules for Java, Python or Go stack traces.',
      }),
    ),
    timeout_ms: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'An unfinished event is emitted this long after its last line (restarts with every appended line).',
    }),
    max_lines: Type.Integer({ minimum: 1, default: 5000, description: 'At most this many lines per event; the rest starts a new event.' }),
    max_bytes: Type.Integer({
      minimum: 1,
      default: 1048576,
      description: 'At most this many bytes per event; the rest starts a new event.',
    }),
  },
  {
    additionalProperties: false,
    description: 'Join multi-line events (stack traces). Exactly one of start_pattern, continuation_pattern, preset.',
  },
);

export { Multiline, type MultilineOptions } from './multiline.js';
