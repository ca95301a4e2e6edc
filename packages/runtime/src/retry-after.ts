/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (§5.6.7: IMF-fixdate, and the
 * obsolete RFC 850 and asctime forms a recipient must accept), as milliseconds to wait.
 */

export interface RetryAfterOptions {
  /** The clock an HTTP-date is measured from (default `Date.now()`). */
  now?: number;
  /** Longest wait returned; a longer one is clamped to it. */
  maxMs?: number;
}

const DAYS = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LONG_DAYS = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:${DAYS}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:${LONG_DAYS}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:${DAYS}) (${MONTH}) ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * Milliseconds to wait, or undefined when the header is absent or not a valid value. A date in
 * the past (or a negative number of seconds) means "now": 0. Of a repeated header, the first counts.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, options: RetryAfterOptions = {}): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (text === undefined || text === '') return undefined;
  let ms: number | undefined;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (/^-\d+$/.test(text)) ms = 0;
  else {
    const date = parseHttpDate(text);
    if (date === undefined) return undefined;
    ms = Math.max(0, date - (options.now ?? Date.now()));
  }
  return options.maxMs === undefined ? ms : Math.min(ms, options.maxMs);
}

/** An HTTP-date as epoch milliseconds, or undefined. */
function parseHttpDate(text: string, now = Date.now()): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2] as string, Number(m[1]), m.slice(4));
  m = RFC850.exec(text);
  if (m) {
    // A two-digit year more than 50 years in the future is in the past century (RFC 9110 §5.6.7).
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2] as string, Number(m[1]), m.slice(4));
  }
  m = ASCTIME.exec(text);
  if (m) return utc(Number(m[6]), m[1] as string, Number((m[2] as string).trim()), m.slice(3, 6));
  return undefined;
}

function utc(year: number, month: string, day: number, time: readonly (string | undefined)[]): number | undefined {
  const [h, min, s] = time.map(Number) as [number, number, number];
  const index = MONTHS.indexOf(month);
  const ms = Date.UTC(year, index, day, h, min, s);
  const d = new Date(ms);
  // Refuse what Date.UTC would roll over (31 Feb, 25:00).
  if (d.getUTCDate() !== day || d.getUTCMonth() !== index || h > 23 || min > 59 || s > 60) return undefined;
  return ms;
}
