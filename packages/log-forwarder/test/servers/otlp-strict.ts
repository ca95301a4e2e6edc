/**
 * A strict OTLP/HTTP JSON logs receiver for tests, decoding as the collector's protobuf JSON
 * unmarshaller does (opentelemetry-proto `logs/v1`, `common/v1`; OTLP/HTTP): unknown fields,
 * an AnyValue with more than one value, an `intValue` that is not an int64 (as a decimal string
 * or an integral JSON number in range), a non-numeric `doubleValue`, a `severityNumber` outside
 * the enum — any of them and the whole request is rejected with 400, like a real receiver.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class OtlpDecodeError extends Error {}

function fail(path: string, why: string): never {
  throw new OtlpDecodeError(`${path}: ${why}`);
}

function only(o: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) fail(path, 'not an object');
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(path, `unknown field "${k}"`);
  return o as Record<string, unknown>;
}

function int64(v: unknown, path: string): bigint {
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = BigInt(v);
    if (n < INT64_MIN || n > INT64_MAX) fail(path, `int64 out of range: ${v}`);
    return n;
  }
  if (typeof v === 'number' && Number.isInteger(v) && Number.isSafeInteger(v)) return BigInt(v);
  return fail(path, `not an int64: ${JSON.stringify(v)}`);
}

function uint64(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !/^\d+$/.test(v) || BigInt(v) >= 2n ** 64n) fail(path, `not a uint64 string: ${JSON.stringify(v)}`);
  return BigInt(v);
}

/** The decoded value: undefined for an empty AnyValue. */
export function decodeAnyValue(v: unknown, path: string): unknown {
  const o = only(v, path, ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue']);
  const keys = Object.keys(o);
  if (keys.length > 1) fail(path, `more than one value (${keys.join(', ')})`);
  const [k] = keys;
  if (k === undefined) return undefined;
  const x = o[k];
  switch (k) {
    case 'stringValue':
      if (typeof x !== 'string') fail(path, 'stringValue not a string');
      return x;
    case 'boolValue':
      if (typeof x !== 'boolean') fail(path, 'boolValue not a boolean');
      return x;
    case 'intValue':
      return int64(x, `${path}.intValue`);
    case 'doubleValue':
      if (typeof x !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(x as string)) fail(path, 'doubleValue not a number');
      return { double: Number(x) };
    case 'arrayValue': {
      const a = only(x, `${path}.arrayValue`, ['values']);
      return ((a.values ?? []) as unknown[]).map((e, i) => decodeAnyValue(e, `${path}.arrayValue.values[${i}]`));
    }
    case 'kvlistValue':
      return decodeKeyValues((only(x, `${path}.kvlistValue`, ['values']).values ?? []) as unknown[], `${path}.kvlistValue.values`);
    default:
      return fail(path, `unsupported ${k}`);
  }
}

function decodeKeyValues(list: unknown[], path: string): Record<string, unknown> {
  if (!Array.isArray(list)) fail(path, 'not an array');
  const out: Record<string, unknown> = {};
  list.forEach((kv, i) => {
    const o = only(kv, `${path}[${i}]`, ['key', 'value']);
    if (typeof o.key !== 'string') fail(`${path}[${i}].key`, 'not a string');
    out[o.key] = o.value === undefined ? undefined : decodeAnyValue(o.value, `${path}[${i}].value`);
  });
  return out;
}

export interface DecodedLogRecord {
  timeUnixNano?: bigint;
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  attributes: Record<string, unknown>;
}

/** Decodes an ExportLogsServiceRequest strictly; throws OtlpDecodeError on the first problem. */
export function decodeExportLogsRequest(body: string): DecodedLogRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new OtlpDecodeError(`not JSON: ${(err as Error).message}`);
  }
  const req = only(parsed, '$', ['resourceLogs']);
  const records: DecodedLogRecord[] = [];
  ((req.resourceLogs ?? []) as unknown[]).forEach((rl, i) => {
    const r = only(rl, `resourceLogs[${i}]`, ['resource', 'scopeLogs', 'schemaUrl']);
    if (r.resource)
      decodeKeyValues(
        (only(r.resource, 'resource', ['attributes', 'droppedAttributesCount']).attributes ?? []) as unknown[],
        'resource.attributes',
      );
    ((r.scopeLogs ?? []) as unknown[]).forEach((sl, j) => {
      const s = only(sl, `scopeLogs[${j}]`, ['scope', 'logRecords', 'schemaUrl']);
      ((s.logRecords ?? []) as unknown[]).forEach((lr, k) => {
        const p = `logRecords[${k}]`;
        const l = only(lr, p, [
          'timeUnixNano',
          'observedTimeUnixNano',
          'severityNumber',
          'severityText',
          'body',
          'attributes',
          'droppedAttributesCount',
          'flags',
          'traceId',
          'spanId',
          'eventName',
        ]);
        if (
          l.severityNumber !== undefined &&
          !(Number.isInteger(l.severityNumber) && (l.severityNumber as number) >= 0 && (l.severityNumber as number) <= 24)
        ) {
          fail(`${p}.severityNumber`, `not a SeverityNumber: ${JSON.stringify(l.severityNumber)}`);
        }
        if (l.severityText !== undefined && typeof l.severityText !== 'string') fail(`${p}.severityText`, 'not a string');
        if (l.observedTimeUnixNano !== undefined) uint64(l.observedTimeUnixNano, `${p}.observedTimeUnixNano`);
        records.push({
          ...(l.timeUnixNano === undefined ? {} : { timeUnixNano: uint64(l.timeUnixNano, `${p}.timeUnixNano`) }),
          ...(l.severityNumber === undefined ? {} : { severityNumber: l.severityNumber as number }),
          ...(l.severityText === undefined ? {} : { severityText: l.severityText as string }),
          body: l.body === undefined ? undefined : decodeAnyValue(l.body, `${p}.body`),
          attributes: decodeKeyValues((l.attributes ?? []) as unknown[], `${p}.attributes`),
        });
      });
    });
  });
  return records;
}
