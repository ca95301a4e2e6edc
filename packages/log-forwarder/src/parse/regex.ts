import { Type } from '@sinclair/typebox';
import { buildEvent, compileTimestamp, type Parser, type TimestampOptions, unparsed } from './parser.js';
import { timestampOption } from './timestamp-option.js';

export const regexParserSchema = Type.Object(
  {
    type: Type.Literal('regex', { description: 'A regular expression whose named groups become event fields.' }),
    pattern: Type.String({
      format: 'regex',
      description:
        'JavaScript regular expression with named groups, e.g. `^(?<level>\\w+) (?<message>.*)$`. A `message` group is the message; otherwise the whole line is.',
    }),
    timestamp: Type.Optional(timestampOption),
  },
  { additionalProperties: false },
);

export function regexParser(opts: { pattern: string; timestamp?: TimestampOptions }): Parser {
  const re = new RegExp(opts.pattern);
  const ts = compileTimestamp(opts.timestamp);
  return {
    type: 'regex',
    reassembles: false,
    parse(line, file, now) {
      const m = re.exec(line);
      if (!m) return { event: unparsed(line, file, now, 'regex: the line does not match the pattern') };
      const fields: Record<string, unknown> = {};
      let message = line;
      for (const [k, v] of Object.entries(m.groups ?? {})) {
        if (v === undefined) continue;
        if (k === 'message') message = v;
        else fields[k] = v;
      }
      return { event: buildEvent(fields, message, file, now, ts) };
    },
  };
}
