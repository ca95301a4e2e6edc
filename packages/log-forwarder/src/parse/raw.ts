import { Type } from '@sinclair/typebox';
import type { Parser } from './parser.js';

export const rawParserSchema = Type.Object(
  { type: Type.Literal('raw', { description: 'The line is the message.' }) },
  { additionalProperties: false },
);

export function rawParser(): Parser {
  return {
    type: 'raw',
    reassembles: false,
    parse: (line, file, now) => ({ event: { message: line, timestamp: now, file } }),
  };
}
