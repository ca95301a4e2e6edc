import { deleteField, getField } from '../fields.js';
import type { LogEvent } from '../sink/sink.js';
import { type TimestampParser, timestampParser } from './timestamp.js';

/** One line after parsing. `partial` lines (cri `P`, docker without `\n`) are joined per `stream`. */
export interface ParsedLine {
  event: LogEvent;
  stream?: string;
  partial?: boolean;
  /** Where the message starts in the line's bytes, when it is the rest of the line verbatim (cri): parts are then joined as bytes. */
  messageFrom?: number;
}

/** A parser turns one line into an event. It never throws and never drops a line. */
export interface Parser {
  readonly type: string;
  /** True when lines may be partial and must be reassembled (cri, docker). */
  readonly reassembles: boolean;
  parse(line: string, file: string, now: string): ParsedLine;
}

/** The event a line becomes when it cannot be parsed: the raw line, flagged with why. */
export function unparsed(line: string, file: string, now: string, error: string): LogEvent {
  return { message: line, timestamp: now, file, parse_error: error };
}

const RFC3339_PARSER = timestampParser('rfc3339');

export interface TimestampOptions {
  field: string;
  format?: string;
  keep_field?: boolean;
}

export interface CompiledTimestamp {
  field: string;
  format: string;
  keep: boolean;
  parse: TimestampParser;
}

export function compileTimestamp(opts: TimestampOptions | undefined): CompiledTimestamp | undefined {
  if (!opts) return undefined;
  const format = opts.format ?? 'rfc3339';
  return { field: opts.field, format, keep: opts.keep_field ?? false, parse: timestampParser(format) };
}

/**
 * Builds the event from parsed `fields` (the message field already taken out): the time comes
 * from `ts` when configured (a value that does not parse keeps the read time and sets
 * `parse_error`), `file` and `timestamp` are ours.
 */
export function buildEvent(
  fields: Record<string, unknown>,
  message: string,
  file: string,
  now: string,
  ts: CompiledTimestamp | undefined,
): LogEvent {
  let timestamp = now;
  let error: string | undefined;
  if (!ts && fields.timestamp !== undefined) {
    // No `timestamp` option: a parsed `timestamp` field in RFC 3339 is the event time; any other
    // value is kept as `original_timestamp` rather than overwritten by the read time.
    const parsed = RFC3339_PARSER(fields.timestamp);
    if (parsed) timestamp = parsed;
    else fields.original_timestamp = fields.timestamp;
    delete fields.timestamp;
  }
  if (ts) {
    const value = getField(fields, ts.field);
    const parsed = value === undefined ? undefined : ts.parse(value);
    if (parsed) {
      timestamp = parsed;
      if (!ts.keep) deleteField(fields, ts.field);
    } else {
      error = `timestamp: ${value === undefined ? `field "${ts.field}" is missing` : `cannot parse ${JSON.stringify(value)} as ${ts.format}`}`;
    }
  }
  const event: LogEvent = { ...fields, message, timestamp, file };
  if (error) event.parse_error = error;
  return event;
}
