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
): string {
  const observed = `${BigInt(Date.now()) * 1_000_000n}`;
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
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: Object.entries(config.resource_attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
        },
        scopeLogs: [{ scope: { name: config.scope_name }, logRecords }],
      },
    ],
  });
}
