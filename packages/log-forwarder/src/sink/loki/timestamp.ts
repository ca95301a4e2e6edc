/** RFC 3339 timestamps as Unix nanoseconds (a decimal string), keeping sub-millisecond digits. */
const FRACTION = /T\d{2}:\d{2}:\d{2}\.(\d+)/;

export function toUnixNanos(timestamp: string | undefined, now = Date.now()): string {
  const ms = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  if (Number.isNaN(ms)) return `${BigInt(now) * 1_000_000n}`;
  const seconds = BigInt(Math.floor(ms / 1000));
  const fraction = timestamp?.match(FRACTION)?.[1] ?? '';
  const nanos = BigInt(fraction.padEnd(9, '0').slice(0, 9));
  return `${seconds * 1_000_000_000n + nanos}`;
}
