/**
 * RFC 5424 messages: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`. Header fields are
 * PRINTUSASCII without spaces (others become `_`) and cut to their RFC lengths. Framing for
 * streams is octet counting (RFC 6587 §3.4.1): `LEN SP MSG`, so a multiline message is one frame.
 */
import { hostname } from 'node:os';
import { blockEvent, type LineSlice, writerFor } from '../../block-lines.js';
import type { RequestEvents } from '../../delivery/request.js';
import { compileTemplate, fieldToString, getField, type Template } from '../../delivery/template.js';
import type { SpareBuffer } from '../../spare-buffer.js';
import type { LogEvent } from '../sink.js';
import { FACILITIES, SEVERITIES, type SyslogSinkConfig } from './config.js';

const LEVELS: Record<string, number> = {
  emerg: 0,
  emergency: 0,
  panic: 0,
  alert: 1,
  crit: 2,
  critical: 2,
  fatal: 2,
  err: 3,
  error: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  informational: 6,
  information: 6,
  debug: 7,
  trace: 7,
};

export function severityOf(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 7) return value;
  if (typeof value === 'string') {
    if (/^[0-7]$/.test(value)) return Number(value);
    const level = LEVELS[value.toLowerCase()];
    if (level !== undefined) return level;
  }
  return fallback;
}

export function facilityOf(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 23) return value;
  if (typeof value === 'string') {
    if (/^\d+$/.test(value) && Number(value) <= 23) return Number(value);
    const index = (FACILITIES as readonly string[]).indexOf(value.toLowerCase());
    if (index >= 0) return index;
  }
  return fallback;
}

function headerField(value: string, max: number): string {
  if (value === '') return '-';
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    out += code >= 33 && code <= 126 ? ch : '_';
    if (out.length >= max) break;
  }
  return out;
}

/** RFC 3339 → the RFC 5424 form (UTC, milliseconds); consecutive events often share a timestamp. */
class TimestampCache {
  #input: string | undefined;
  #output = '';
  of(event: LogEvent): string {
    const ts = event.timestamp;
    if (ts === this.#input) return this.#output;
    const ms = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
    const out = (Number.isNaN(ms) ? new Date() : new Date(ms)).toISOString();
    if (!Number.isNaN(ms)) {
      this.#input = ts;
      this.#output = out;
    }
    return out;
  }
}

export class SyslogEncoder {
  readonly #facility: number;
  readonly #severity: number;
  readonly #app: Template;
  readonly #host: Template;
  readonly #proc: Template;
  readonly #msgId: Template;
  readonly #time = new TimestampCache();
  /** The constant part of the header after the timestamp, when no field is templated. */
  readonly #staticTail: string | undefined;

  constructor(private readonly config: SyslogSinkConfig) {
    this.#facility = FACILITIES.indexOf(config.facility);
    this.#severity = SEVERITIES.indexOf(config.severity);
    this.#app = compileTemplate(config.app_name, '-');
    this.#host = compileTemplate(config.hostname ?? hostname(), '-');
    this.#proc = compileTemplate(config.proc_id, '-');
    this.#msgId = compileTemplate(config.msg_id, '-');
    this.#staticTail =
      this.#app.constant && this.#host.constant && this.#proc.constant && this.#msgId.constant
        ? this.#tail({ message: '', timestamp: '', file: '' })
        : undefined;
  }

  #tail(event: LogEvent): string {
    return (
      ` ${headerField(this.#host.render(event), 255)} ${headerField(this.#app.render(event), 48)} ` +
      `${headerField(this.#proc.render(event), 128)} ${headerField(this.#msgId.render(event), 32)} - `
    );
  }

  /** One RFC 5424 message as a string (no framing), not yet cut to max_message_bytes. */
  #text(event: LogEvent): string {
    const { facility_field, severity_field, encoding } = this.config;
    const facility = facility_field ? facilityOf(getField(event, facility_field), this.#facility) : this.#facility;
    const severity = severityOf(getField(event, severity_field), this.#severity);
    const body = encoding === 'json' ? JSON.stringify(event) : (fieldToString(event.message) ?? '');
    return `<${facility * 8 + severity}>1 ${this.#time.of(event)}${this.#staticTail ?? this.#tail(event)}${body}`;
  }

  /** One RFC 5424 message (no framing), cut to max_message_bytes on a character boundary. */
  message(event: LogEvent): Buffer {
    const message = Buffer.from(this.#text(event));
    const max = this.config.max_message_bytes;
    if (message.length <= max) return message;
    let end = max - 3;
    while (end > 0 && ((message[end] as number) & 0xc0) === 0x80) end--;
    return Buffer.concat([message.subarray(0, end), Buffer.from('…')]);
  }

  /** Octet-counted frames (`LEN SP MSG`) of all events, one buffer. */
  frames(events: readonly LogEvent[]): Buffer {
    const max = this.config.max_message_bytes;
    let out = '';
    const cut: Buffer[] = [];
    for (const event of events) {
      const text = this.#text(event);
      const length = Buffer.byteLength(text);
      if (length <= max) {
        out += `${length} ${text}`;
        continue;
      }
      // Rare: flush the text so far, then the cut message as bytes.
      if (out) cut.push(Buffer.from(out));
      out = '';
      const message = this.message(event);
      cut.push(Buffer.from(`${message.length} `), message);
    }
    if (cut.length === 0) return Buffer.from(out);
    if (out) cut.push(Buffer.from(out));
    return Buffer.concat(cut);
  }

  /** `frames(request.events())`, written from the read buffers when the lines come straight from the file. */
  framesOf(request: RequestEvents, spare?: SpareBuffer): Buffer {
    const { facility_field, severity_field, encoding } = this.config;
    // A line's event has message, timestamp, file (and truncated, which is no level): the header is
    // the same for every line of a block unless a field read is the message.
    const fromBlocks =
      encoding === 'text' && this.#staticTail !== undefined && facility_field !== 'message' && severity_field !== 'message';
    const slices = fromBlocks ? request.slices?.() : undefined;
    if (!slices) return this.frames(request.events());
    const frames = this.#framesOfLines(slices, this.#staticTail as string, spare?.take());
    return spare ? spare.lend(frames) : frames;
  }

  #framesOfLines(slices: readonly LineSlice[], staticTail: string, into: Buffer | undefined): Buffer {
    const { facility_field, severity_field, max_message_bytes: max } = this.config;
    const w = writerFor(slices, 96, false, into);
    for (const { lines, from, to } of slices) {
      const { chunk, starts, ends, truncated } = lines.block;
      const event = blockEvent(lines);
      const facility = facility_field ? facilityOf(getField(event, facility_field), this.#facility) : this.#facility;
      const severity = severityOf(getField(event, severity_field), this.#severity);
      const header = Buffer.from(`<${facility * 8 + severity}>1 ${this.#time.of(event)}${staticTail}`);
      for (let i = from; i < to; i++) {
        const start = starts[i] as number;
        const end = ends[i] as number;
        // The length as if the line is valid UTF-8; an invalid sequence only makes it longer.
        const guess = header.length + end - start;
        const frameStart = w.pos;
        w.decimal(guess);
        w.byte(0x20);
        const messageStart = w.pos;
        w.bytes(header);
        w.utf8(chunk, start, end);
        const length = w.pos - messageStart;
        if (length > max) {
          // Rare: cut as the events path does.
          w.pos = frameStart;
          const message = this.message({
            ...event,
            message: chunk.toString('utf8', start, end),
            ...(truncated.includes(i) ? { truncated: true } : {}),
          });
          w.decimal(message.length);
          w.byte(0x20);
          w.bytes(message);
          continue;
        }
        if (length !== guess) {
          const digits = String(length);
          const shift = digits.length + 1 - (messageStart - frameStart);
          if (shift > 0) {
            w.ensure(shift);
            w.buf.copyWithin(messageStart + shift, messageStart, w.pos);
            w.pos += shift;
          }
          w.buf.write(`${digits} `, frameStart, 'latin1');
        }
      }
    }
    return w.result();
  }
}
