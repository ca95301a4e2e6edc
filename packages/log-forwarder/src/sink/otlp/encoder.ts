/**
 * OTLP JSON (ExportLogsServiceRequest, protobuf JSON mapping: camelCase keys, 64-bit integers as
 * strings). One resource and one scope per request; the event's message is the body, its
 * timestamp `timeUnixNano`, its level the severity, every other field an attribute.
 *
 * Per the logs data model: `severityText` is the level as the source wrote it (`warning` stays
 * `warning`), `severityNumber` its mapping. A number is an `intValue` only when it is a safe
 * integer (an int64 the JSON number denotes exactly), else a `doubleValue`: one out-of-range
 * `intValue` makes the receiver reject the whole request. JSON `null` is an empty AnyValue.
 */
import { firstTruncated, type LineSlice, writerFor } from '../../block-lines.js';
import type { RequestEvents } from '../../delivery/request.js';
import { toUnixNanos } from '../loki/timestamp.js';
import type { LogEvent } from '../sink.js';
import type { OtlpSinkConfig } from './config.js';

type AnyValue =
  | Record<string, never>
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export function anyValue(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (value === null) return {};
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (value !== null && typeof value === 'object') {
    return { kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) } };
  }
  return { stringValue: String(value) };
}

/** Source level (lower-cased) → SeverityNumber. */
const SEVERITY: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  crit: 18,
  critical: 18,
  alert: 19,
  fatal: 21,
  emerg: 21,
  panic: 21,
};

export function encodeOtlp(
  config: Pick<OtlpSinkConfig, 'resource_attributes' | 'severity_field' | 'scope_name'>,
  request: RequestEvents,
  now = Date.now(),
  /** A buffer to encode into when it is large enough (lines straight from the file only). */
  into?: Buffer,
): string | Buffer {
  const observed = `${BigInt(now) * 1_000_000n}`;
  // A line's event has message, timestamp, file (and truncated): its level is never among them
  // unless severity_field names the file.
  const slices = config.severity_field === 'file' ? undefined : request.slices?.();
  if (slices) return encodeLines(config, slices, observed, into);
  const logRecords = request.events().map((event: LogEvent) => {
    const attributes: KeyValue[] = [];
    let severity: { severityNumber?: number; severityText: string } | undefined;
    for (const [key, value] of Object.entries(event)) {
      if (key === 'message' || key === 'timestamp' || value === undefined) continue;
      if (key === config.severity_field && typeof value === 'string') {
        const n = SEVERITY[value.toLowerCase()];
        severity = n === undefined ? { severityText: value } : { severityNumber: n, severityText: value };
        continue;
      }
      attributes.push({ key, value: anyValue(value) });
    }
    return {
      timeUnixNano: toUnixNanos(event.timestamp),
      observedTimeUnixNano: observed,
      ...severity,
      body: { stringValue: event.message },
      attributes,
    };
  });
  return JSON.stringify(envelope(config, logRecords));
}

function envelope(config: Pick<OtlpSinkConfig, 'resource_attributes' | 'scope_name'>, logRecords: unknown[]) {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: Object.entries(config.resource_attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
        },
        scopeLogs: [{ scope: { name: config.scope_name }, logRecords }],
      },
    ],
  };
}

/** The bytes `encodeOtlp()` gives for the lines' events, written from the read buffers. */
function encodeLines(
  config: Pick<OtlpSinkConfig, 'resource_attributes' | 'scope_name'>,
  slices: readonly LineSlice[],
  observed: string,
  into: Buffer | undefined,
): Buffer {
  const empty = JSON.stringify(envelope(config, []));
  // `…"logRecords":[` + records + `]}]}]}`
  const end = empty.length - ']}]}]}'.length;
  const w = writerFor(slices, 200, true, into);
  w.bytes(Buffer.from(empty.slice(0, end)));
  let first = true;
  for (const { lines, from, to } of slices) {
    const { chunk, starts, ends, truncated } = lines.block;
    const head = `{"timeUnixNano":${JSON.stringify(toUnixNanos(lines.now))},"observedTimeUnixNano":${JSON.stringify(observed)},"body":{"stringValue":`;
    const open = Buffer.from(head);
    const openNext = Buffer.from(`,${head}`);
    const fileAttribute = `},"attributes":[{"key":"file","value":{"stringValue":${JSON.stringify(lines.file)}}}`;
    const close = Buffer.from(`${fileAttribute}]}`);
    const closeTruncated = Buffer.from(`${fileAttribute},{"key":"truncated","value":{"boolValue":true}}]}`);
    let t = firstTruncated(truncated, from);
    for (let i = from; i < to; i++) {
      w.bytes(first ? open : openNext);
      first = false;
      w.jsonString(chunk, starts[i] as number, ends[i] as number);
      if (truncated[t] === i) {
        w.bytes(closeTruncated);
        t++;
      } else w.bytes(close);
    }
  }
  w.bytes(Buffer.from(empty.slice(end)));
  return w.result();
}
