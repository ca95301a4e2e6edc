/**
 * Timestamps parsed from a configured field and format.
 *
 * Formats: `rfc3339` (kept as written when valid, so nanoseconds survive), `unix`, `unix_ms`,
 * `unix_us`, `unix_ns` (numbers or numeric strings), or a strftime-style pattern with
 * `%Y %y %m %d %e %H %M %S %f %z %b %T %F %%` (no `%z` → UTC). Numeric fields other than `%Y`
 * and `%y` take one or two digits, as glibc's `strptime` does (`7:8:9` is 07:08:09). Without a
 * year the current year (UTC) is used; without month and day (a time of day only), today (UTC);
 * with a month but no day, its first day.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export type TimestampParser = (value: unknown) => string | undefined;

function fromNumber(value: unknown, perSecond: number): string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  const d = new Date((n * 1000) / perSecond);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const TOKENS: Record<string, { re: string; group?: string }> = {
  Y: { re: '(?<Y>\\d{4})' },
  y: { re: '(?<y>\\d{2})' },
  m: { re: '(?<m>\\d{1,2})' },
  d: { re: '(?<d>\\d{1,2})' },
  e: { re: ' ?(?<d>\\d{1,2})' },
  H: { re: '(?<H>\\d{1,2})' },
  M: { re: '(?<M>\\d{1,2})' },
  S: { re: '(?<S>\\d{1,2})' },
  f: { re: '(?<f>\\d{1,9})' },
  z: { re: '(?<z>Z|[+-]\\d{2}:?\\d{2})' },
  b: { re: '(?<b>[A-Za-z]{3})' },
};

/** Compiles a strftime-style pattern; throws on an unsupported directive. */
export function compileStrftime(pattern: string): (text: string) => string | undefined {
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c !== '%') {
      src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const d = pattern[++i];
    if (d === '%') src += '%';
    else if (d === 'T') src += '(?<H>\\d{1,2}):(?<M>\\d{1,2}):(?<S>\\d{1,2})';
    else if (d === 'F') src += '(?<Y>\\d{4})-(?<m>\\d{1,2})-(?<d>\\d{1,2})';
    else if (d !== undefined && TOKENS[d]) src += TOKENS[d].re;
    else throw new Error(`unsupported directive %${d ?? ''} in timestamp format "${pattern}"`);
  }
  const re = new RegExp(`${src}$`);
  return (text) => {
    const g = re.exec(text.trim())?.groups;
    if (!g) return undefined;
    // No year: this year (UTC). No month and no day either (a time of day only): today (UTC).
    const today = new Date();
    const dateless = !g.b && !g.m && !g.d;
    const year = g.Y ? Number(g.Y) : g.y ? 2000 + Number(g.y) : today.getUTCFullYear();
    const month = g.b ? MONTHS.indexOf(g.b.toLowerCase()) : g.m ? Number(g.m) - 1 : dateless ? today.getUTCMonth() : 0;
    if (month < 0 || month > 11) return undefined;
    const frac = g.f ? Number(`0.${g.f}`) * 1000 : 0;
    let ms = Date.UTC(
      year,
      month,
      g.d ? Number(g.d) : dateless ? today.getUTCDate() : 1,
      Number(g.H ?? 0),
      Number(g.M ?? 0),
      Number(g.S ?? 0),
      Math.floor(frac),
    );
    if (g.z && g.z !== 'Z') {
      const sign = g.z[0] === '-' ? -1 : 1;
      const digits = g.z.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  };
}

export function timestampParser(format: string): TimestampParser {
  switch (format) {
    case 'rfc3339':
      return (v) => {
        if (typeof v !== 'string') return undefined;
        if (RFC3339.test(v)) return v;
        return undefined;
      };
    case 'unix':
      return (v) => fromNumber(v, 1);
    case 'unix_ms':
      return (v) => fromNumber(v, 1e3);
    case 'unix_us':
      return (v) => fromNumber(v, 1e6);
    case 'unix_ns':
      return (v) => fromNumber(v, 1e9);
    default: {
      const parse = compileStrftime(format);
      return (v) => (typeof v === 'string' ? parse(v) : undefined);
    }
  }
}

/** Checks a format at config time; returns an error message or undefined. */
export function checkTimestampFormat(format: string): string | undefined {
  if (['rfc3339', 'unix', 'unix_ms', 'unix_us', 'unix_ns'].includes(format)) return undefined;
  if (!format.includes('%')) return `must be rfc3339, unix, unix_ms, unix_us, unix_ns or a strftime pattern, got "${format}"`;
  try {
    compileStrftime(format);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
