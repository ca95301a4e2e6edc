/**
 * OTLP JSON (ExportLogsServiceRequest, protobuf JSON mapping: camelCase keys, 64-bit integers as
 * strings). One resource and one scope per request; the event's message is the body, its
 * timestamp `timeUnixNano`, its level the severity, every other field an attribute.
 */
import type { RequestEvents } from '../../delivery/request.js';
import { toUnixNanos } from '../loki/timestamp.js';
import type { LogEvent } from '../sink.js';
import type { OtlpSinkConfig } from './config.js';

type AnyValue =
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
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (value !== null && typeof value === 'object') {
    return { kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) } };
  }
  return { stringValue: String(value) };
}

const SEVERITY: Record<string, [number, string]> = {
  trace: [1, 'TRACE'],
  debug: [5, 'DEBUG'],
  info: [9, 'INFO'],
  information: [9, 'INFO'],
  notice: [10, 'INFO2'],
  warn: [13, 'WARN'],
  warning: [13, 'WARN'],
  error: [17, 'ERROR'],
  err: [17, 'ERROR'],
  crit: [18, 'ERROR2'],
  critical: [18, 'ERROR2'],
  alert: [19, 'ERROR3'],
  fatal: [21, 'FATAL'],
  emerg: [21, 'FATAL'],
  panic: [21, 'FATAL'],
};

export function encodeOtlp(
  config: Pick<OtlpSinkConfig, 'resource_attributes' | 'severity_field' | 'scope_name'>,
  request: RequestEvents,
): string {
  const observed = `${BigInt(Date.now()) * 1_000_000n}`;
  const logRecords = request.events().map((event: LogEvent) => {
    const attributes: KeyValue[] = [];
    let severity: [number, string] | undefined;
    for (const [key, value] of Object.entries(event)) {
      if (key === 'message' || key === 'timestamp' || value === undefined) continue;
      if (key === config.severity_field && typeof value === 'string') {
        severity = SEVERITY[value.toLowerCase()];
        if (severity) continue;
      }
      attributes.push({ key, value: anyValue(value) });
    }
    return {
      timeUnixNano: toUnixNanos(event.timestamp),
      observedTimeUnixNano: observed,
      ...(severity ? { severityNumber: severity[0], severityText: severity[1] } : {}),
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
