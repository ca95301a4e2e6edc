/**
 * `convert`: a value changes representation. Two families, each converted through one canonical
 * form so that any pair within a family works:
 *  - numbers: `number`, `string` (a numeric string), `decimal_string` (fixed `decimals`, default 2),
 *    `integer_minor` (an integer count of 10^-decimals units; `integer_cents` is decimals 2).
 *    Canonical form: an exact decimal string, so `"12.34"` ↔ `1234` never goes through a float.
 *  - times: `unix_seconds`, `unix_ms`, `iso8601`, `date` (`YYYY-MM-DD`, UTC). Canonical: epoch ms.
 * Or a unit scale: `scale: 1000` multiplies on upgrade and divides on downgrade (exact for powers
 * of ten). Values of the wrong type or that do not parse are left unchanged.
 * Lossy cases: rounding to fewer decimals, `date` and `unix_seconds` drop the time of day/millis.
 */
import { type Box, compileWalker, setSlot } from '../pointer/index.js';
import { pointerArg } from './pointer-arg.js';
import type { BodyFn, BodyOp, CompileContext } from './types.js';

export interface ConvertSpec {
  type: 'convert';
  path: string;
  from?: string;
  to?: string;
  decimals?: number;
  scale?: number;
}

const NUMERIC = ['number', 'string', 'decimal_string', 'integer_minor', 'integer_cents'] as const;
const TIME = ['unix_seconds', 'unix_ms', 'iso8601', 'date'] as const;
export const FORMATS: readonly string[] = [...NUMERIC, ...TIME];

const NOPE: unique symbol = Symbol('not-convertible');
type Canon = string | number | typeof NOPE;

// ---- exact decimal strings --------------------------------------------------------------

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Normalises a numeric text into `-?digits(.digits)?` without exponent or redundant zeros. */
export function toDecimal(text: string): string | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  let digits = int + frac;
  let point = int.length + (exp ? Number(exp) : 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let i = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const f = digits.slice(point).replace(/0+$/, '');
  if (i === '') i = '0';
  const neg = sign === '-' && /[1-9]/.test(i + f);
  return `${neg ? '-' : ''}${i}${f ? `.${f}` : ''}`;
}

/** Moves the decimal point: `shift("12.34", 2) === "1234"`, `shift("5", -2) === "0.05"`. */
export function shiftDecimal(dec: string, places: number): string {
  const neg = dec.startsWith('-');
  const body = neg ? dec.slice(1) : dec;
  const [i = '0', f = ''] = body.split('.');
  return toDecimal(`${neg ? '-' : ''}${i}${f ? `.${f}` : ''}e${places}`) as string;
}

/** Rounds half away from zero to `places` decimals and pads: `fixed("1.005", 2) === "1.01"`. */
export function fixedDecimal(dec: string, places: number): string {
  const neg = dec.startsWith('-');
  const body = neg ? dec.slice(1) : dec;
  const [i = '0', f = ''] = body.split('.');
  let keep = (i + f.padEnd(places, '0').slice(0, places)).replace(/^0+(?=\d)/, '');
  if ((f[places] ?? '0') >= '5') keep = addOne(keep);
  keep = keep.padStart(places + 1, '0');
  const ip = keep.slice(0, keep.length - places);
  const fp = keep.slice(keep.length - places);
  const zero = /^[0]*$/.test(ip + fp);
  return `${neg && !zero ? '-' : ''}${ip}${places > 0 ? `.${fp}` : ''}`;
}

function addOne(digits: string): string {
  const a = digits.split('');
  for (let k = a.length - 1; k >= 0; k--) {
    if (a[k] === '9') a[k] = '0';
    else {
      a[k] = String(Number(a[k]) + 1);
      return a.join('');
    }
  }
  return `1${a.join('')}`;
}

// ---- codecs -----------------------------------------------------------------------------

interface Codec {
  decode(v: unknown): Canon;
  encode(c: string | number): unknown;
}

function numericCodec(format: string, decimals: number): Codec {
  switch (format) {
    case 'number':
      return {
        decode: (v) => (typeof v === 'number' && Number.isFinite(v) ? (toDecimal(String(v)) ?? NOPE) : NOPE),
        encode: (c) => Number(c),
      };
    case 'string':
      return {
        decode: (v) => (typeof v === 'string' ? (toDecimal(v) ?? NOPE) : NOPE),
        encode: (c) => String(c),
      };
    case 'decimal_string':
      return {
        decode: (v) => (typeof v === 'string' ? (toDecimal(v) ?? NOPE) : NOPE),
        encode: (c) => fixedDecimal(String(c), decimals),
      };
    default: // integer_minor, integer_cents
      return {
        decode: (v) => (typeof v === 'number' && Number.isInteger(v) ? shiftDecimal(String(BigInt(v)), -decimals) : NOPE),
        encode: (c) => Number(fixedDecimal(shiftDecimal(String(c), decimals), 0)),
      };
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function timeCodec(format: string): Codec {
  switch (format) {
    case 'unix_seconds':
      return {
        decode: (v) => (typeof v === 'number' && Number.isFinite(v) ? v * 1000 : NOPE),
        encode: (ms) => Math.floor(Number(ms) / 1000),
      };
    case 'unix_ms':
      return {
        decode: (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NOPE),
        encode: (ms) => Number(ms),
      };
    case 'date':
      return {
        decode: (v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? finite(Date.parse(`${v}T00:00:00Z`)) : NOPE),
        encode: (ms) => new Date(Number(ms)).toISOString().slice(0, 10),
      };
    default: // iso8601
      return {
        decode: (v) => (typeof v === 'string' && ISO.test(v) ? finite(Date.parse(v)) : NOPE),
        encode: (ms) => {
          const iso = new Date(Number(ms)).toISOString();
          return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
        },
      };
  }
}

function finite(n: number): Canon {
  return Number.isFinite(n) ? n : NOPE;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Fast exact paths for the most common pair (decimal strings ↔ integer minor units), taken when
 * every number involved is a safe integer; anything else falls back to the general codecs.
 */
function fastDecimalToMinor(decimals: number, slow: (v: unknown) => unknown): (v: unknown) => unknown {
  const scale = POW10[decimals] as number;
  const re = /^(-?)(\d{1,15})(?:\.(\d+))?$/;
  return (v) => {
    if (typeof v !== 'string') return NOPE;
    const m = re.exec(v);
    if (!m) return slow(v);
    const frac = m[3] ?? '';
    if (frac.length > decimals || (m[2] as string).length + decimals > 15) return slow(v);
    const n = Number(m[2]) * scale + (frac === '' ? 0 : Number(frac) * (POW10[decimals - frac.length] as number));
    return m[1] === '-' && n !== 0 ? -n : n;
  };
}

function fastMinorToDecimal(decimals: number, slow: (v: unknown) => unknown): (v: unknown) => unknown {
  const scale = POW10[decimals] as number;
  return (v) => {
    if (typeof v !== 'number') return NOPE;
    if (!Number.isSafeInteger(v)) return slow(v);
    const abs = v < 0 ? -v : v;
    const frac = abs % scale;
    const int = (abs - frac) / scale;
    const text = decimals === 0 ? String(int) : `${int}.${String(frac).padStart(decimals, '0')}`;
    return v < 0 ? `-${text}` : text;
  };
}

function codec(format: string, decimals: number): Codec {
  return (NUMERIC as readonly string[]).includes(format)
    ? numericCodec(format, format === 'integer_cents' ? 2 : decimals)
    : timeCodec(format);
}

function converter(walk: ReturnType<typeof compileWalker>, decode: Codec['decode'], encode: Codec['encode']): BodyFn {
  return valueConverter(walk, (v) => {
    const c = decode(v);
    return c === NOPE ? NOPE : encode(c);
  });
}

/** Applies `convert` to every value at the walked slots; NOPE leaves the value alone. */
function valueConverter(walk: ReturnType<typeof compileWalker>, convert: (v: unknown) => unknown): BodyFn {
  return (box: Box) =>
    walk(box, (container, key) => {
      const out = convert((container as Record<string | number, unknown>)[key]);
      if (out !== NOPE) setSlot(container, key, out);
    });
}

function slowPath(decode: Codec['decode'], encode: Codec['encode']): (v: unknown) => unknown {
  return (v) => {
    const c = decode(v);
    return c === NOPE ? NOPE : encode(c);
  };
}

function scaleCodecs(scale: number): { up: Codec; down: Codec } {
  const exp = Math.log10(scale);
  const power = Number.isInteger(exp);
  const num = numericCodec('number', 0);
  const by = (factor: number, places: number): Codec => ({
    decode: num.decode,
    encode: power ? (c) => Number(shiftDecimal(String(c), places)) : (c) => Number((Number(c) * factor).toPrecision(15)),
  });
  return { up: by(scale, exp), down: by(1 / scale, -exp) };
}

export function compileConvert(spec: ConvertSpec, ctx: CompileContext): BodyOp | undefined {
  const segs = pointerArg(ctx, 'path', spec.path);
  if (!segs) return undefined;
  if (segs.length === 0) {
    ctx.issue(`${ctx.at}.path`, 'must name a value inside the document, not the whole document');
    return undefined;
  }
  const walk = compileWalker(segs);
  if (spec.scale !== undefined) {
    if (spec.from !== undefined || spec.to !== undefined) {
      ctx.issue(`${ctx.at}.scale`, 'use either `scale` or `from`/`to`, not both');
      return undefined;
    }
    if (!(spec.scale > 0) || !Number.isFinite(spec.scale)) {
      ctx.issue(`${ctx.at}.scale`, 'must be a positive number');
      return undefined;
    }
    const { up, down } = scaleCodecs(spec.scale);
    return {
      up: converter(walk, up.decode, up.encode),
      down: converter(walk, down.decode, down.encode),
      summary: `\`${spec.path}\` is multiplied by ${spec.scale}`,
    };
  }
  let ok = true;
  for (const k of ['from', 'to'] as const) {
    const f = spec[k];
    if (f === undefined || !FORMATS.includes(f)) {
      ctx.issue(`${ctx.at}.${k}`, `must be one of ${FORMATS.join(', ')}${f === undefined ? '' : `, got ${JSON.stringify(f)}`}`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const from = spec.from as string;
  const to = spec.to as string;
  const family = (f: string) => ((NUMERIC as readonly string[]).includes(f) ? 'number' : 'time');
  if (family(from) !== family(to)) {
    ctx.issue(`${ctx.at}.to`, `cannot convert ${from} (a ${family(from)}) to ${to} (a ${family(to)})`);
    return undefined;
  }
  const decimals = spec.decimals ?? 2;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    ctx.issue(`${ctx.at}.decimals`, 'must be an integer from 0 to 20');
    return undefined;
  }
  const a = codec(from, decimals);
  const b = codec(to, decimals);
  const summary = `\`${spec.path}\` changes from ${from} to ${to}`;
  const minor = (f: string) => f === 'integer_minor' || f === 'integer_cents';
  const d = (f: string) => (f === 'integer_cents' ? 2 : decimals);
  if (from === 'decimal_string' && minor(to) && d(to) === decimals && decimals <= 15) {
    return {
      up: valueConverter(walk, fastDecimalToMinor(decimals, slowPath(a.decode, b.encode))),
      down: valueConverter(walk, fastMinorToDecimal(decimals, slowPath(b.decode, a.encode))),
      summary,
    };
  }
  if (minor(from) && to === 'decimal_string' && d(from) === decimals && decimals <= 15) {
    return {
      up: valueConverter(walk, fastMinorToDecimal(decimals, slowPath(a.decode, b.encode))),
      down: valueConverter(walk, fastDecimalToMinor(decimals, slowPath(b.decode, a.encode))),
      summary,
    };
  }
  return { up: converter(walk, a.decode, b.encode), down: converter(walk, b.decode, a.encode), summary };
}
