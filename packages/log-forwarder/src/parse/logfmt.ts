import { Type } from '@sinclair/typebox';
import { buildEvent, compileTimestamp, type Parser, type TimestampOptions } from './parser.js';
import { timestampOption } from './timestamp-option.js';

export const logfmtParserSchema = Type.Object(
  {
    type: Type.Literal('logfmt', { description: '`key=value key2="quoted value"` pairs become event fields.' }),
    message_field: Type.String({ default: 'msg', description: 'Key holding the message; if absent the whole line is the message.' }),
    timestamp: Type.Optional(timestampOption),
  },
  { additionalProperties: false },
);

/**
 * Parses logfmt: `key=value`, `key="value with \"escapes\""`, a bare `key` means `true`.
 * Returns undefined when the line has no key at all.
 */
export function parseLogfmt(line: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let found = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line[i] !== ' ' && line[i] !== '\t') i++;
    const key = line.slice(keyStart, i);
    if (key === '') {
      i++;
      continue;
    }
    if (line[i] !== '=') {
      out[key] = true;
      found = true;
      continue;
    }
    i++;
    let value: string;
    if (line[i] === '"') {
      i++;
      let v = '';
      while (i < n && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < n) {
          const c = line[i + 1];
          v += c === 'n' ? '\n' : c === 't' ? '\t' : c;
          i += 2;
        } else {
          v += line[i];
          i++;
        }
      }
      i++;
      value = v;
    } else {
      const vs = i;
      while (i < n && line[i] !== ' ' && line[i] !== '\t') i++;
      value = line.slice(vs, i);
    }
    out[key] = value;
    found = true;
  }
  return found ? out : undefined;
}

export function logfmtParser(opts: { message_field?: string; timestamp?: TimestampOptions }): Parser {
  const field = opts.message_field ?? 'msg';
  const ts = compileTimestamp(opts.timestamp);
  return {
    type: 'logfmt',
    reassembles: false,
    parse(line, file, now) {
      const fields = parseLogfmt(line) ?? {};
      const m = fields[field];
      let message = line;
      if (typeof m === 'string') {
        message = m;
        delete fields[field];
      }
      return { event: buildEvent(fields, message, file, now, ts) };
    },
  };
}
