import { Type } from '@sinclair/typebox';
import { buildEvent, compileTimestamp, type Parser, type TimestampOptions, unparsed } from './parser.js';
import { timestampOption } from './timestamp-option.js';

export const jsonParserSchema = Type.Object(
  {
    type: Type.Literal('json', { description: 'Each line is a JSON object; its fields become event fields.' }),
    message_field: Type.String({
      default: 'message',
      description: 'Field holding the message. If absent, `msg` is tried, then the whole line is the message.',
    }),
    timestamp: Type.Optional(timestampOption),
  },
  { additionalProperties: false },
);

export function jsonParser(opts: { message_field?: string; timestamp?: TimestampOptions }): Parser {
  const field = opts.message_field ?? 'message';
  const ts = compileTimestamp(opts.timestamp);
  return {
    type: 'json',
    reassembles: false,
    parse(line, file, now) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        return { event: unparsed(line, file, now, `json: ${(err as Error).message}`) };
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { event: unparsed(line, file, now, 'json: not an object') };
      }
      const fields = value as Record<string, unknown>;
      let key: string | undefined = field;
      if (fields[key] === undefined && field === 'message' && fields.msg !== undefined) key = 'msg';
      const m = fields[key];
      let message: string;
      if (m === undefined) message = line;
      else {
        message = typeof m === 'string' ? m : JSON.stringify(m);
        delete fields[key];
      }
      return { event: buildEvent(fields, message, file, now, ts) };
    },
  };
}
