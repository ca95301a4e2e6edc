/**
 * Encoding straight from the read buffer: JSON strings escaped on bytes, into one growing Buffer.
 *
 * `jsonString(src, start, end)` writes exactly the bytes of
 * `Buffer.from(JSON.stringify(src.toString('utf8', start, end)))`: `"` `\` and control characters
 * escaped as `JSON.stringify` does (`\n`, `\u001f`, ...), valid UTF-8 copied as is, and each
 * invalid sequence replaced by U+FFFD where the UTF-8 decoder would (the WHATWG "maximal subpart"
 * rule: a truncated sequence at the end of a line is one U+FFFD). No string, no object per line.
 */

const REPLACEMENT = [0xef, 0xbf, 0xbd];

/** Headroom a string write asks for besides its input's length. */
const ROOM = 64;

/** The JSON escape of each ASCII byte, or undefined when it is copied. */
const ESCAPES: Array<number[] | undefined> = Array.from({ length: 128 }, (_, b) => {
  const s = JSON.stringify(String.fromCharCode(b)).slice(1, -1);
  return s.length === 1 ? undefined : [...s].map((c) => c.charCodeAt(0));
});

/** The same, escaped a second time: a JSON text inside a JSON string (Loki's line). */
const ESCAPES_TWICE: Array<number[] | undefined> = Array.from({ length: 128 }, (_, b) => {
  const s = JSON.stringify(JSON.stringify(String.fromCharCode(b)).slice(1, -1)).slice(1, -1);
  return s.length === 1 ? undefined : [...s].map((c) => c.charCodeAt(0));
});

/** 1 where a byte is not copied as it is: it needs an escape (controls, `"`, `\`) or starts a UTF-8 sequence. */
const SPECIAL = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (b >= 0x80 || ESCAPES[b]) SPECIAL[b] = 1;

/** Runs at least this long are copied natively (Buffer#copy); shorter ones byte by byte. */
const NATIVE_COPY = 16;

/**
 * Length of the valid UTF-8 sequence starting at `src[i]` (a byte ≥ 0x80), or minus the number
 * of bytes one U+FFFD replaces (the lead byte and the continuation bytes that fit it).
 */
export function utf8Sequence(src: Uint8Array, i: number, end: number): number {
  const b = src[i] as number;
  let need: number;
  let lower = 0x80;
  let upper = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b >= 0xe0 && b <= 0xef) {
    need = 2;
    if (b === 0xe0) lower = 0xa0;
    else if (b === 0xed) upper = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    need = 3;
    if (b === 0xf0) lower = 0x90;
    else if (b === 0xf4) upper = 0x8f;
  } else return -1;
  let j = i + 1;
  for (let k = 0; k < need; k++, j++) {
    if (j >= end) return -(j - i);
    const c = src[j] as number;
    if (c < lower || c > upper) return -(j - i);
    lower = 0x80;
    upper = 0xbf;
  }
  return need + 1;
}

/** Copies `src[i..j)` to `out` at `o`; returns the position after it. */
function copyRun(src: Buffer, i: number, j: number, out: Buffer, o: number): number {
  if (j - i >= NATIVE_COPY) src.copy(out, o, i, j);
  else for (let k = i; k < j; k++) out[o + k - i] = src[k] as number;
  return o + j - i;
}

export class JsonWriter {
  buf: Buffer;
  pos = 0;

  /** `size`: the expected output (grows when it is not enough); `into`: a buffer to reuse if it is that large. */
  constructor(size: number, into?: Buffer) {
    this.buf = into && into.length >= size ? into : Buffer.allocUnsafe(Math.max(64, size));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(Math.ceil(this.buf.length * 1.5), this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Bytes written so far (a view: the writer must not be used afterwards). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A non-negative safe integer in decimal (without a string per number). */
  decimal(n: number): void {
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    this.ensure(digits);
    let o = this.pos + digits;
    this.pos = o;
    do {
      const r = n % 10;
      this.buf[--o] = 48 + r;
      n = (n - r) / 10;
    } while (n > 0);
  }

  /** `src[start..end)` as a JSON string, quotes included. */
  jsonString(src: Buffer, start: number, end: number): void {
    // Room for the bytes as they are; escapes and replacements make room as they come.
    this.ensure(2 + ROOM + end - start);
    this.buf[this.pos++] = 0x22;
    this.#escaped(src, start, end, ESCAPES);
    this.buf[this.pos++] = 0x22;
  }

  /** `src[start..end)` escaped as a JSON string's content, then escaped again (no quotes). */
  jsonStringTwice(src: Buffer, start: number, end: number): void {
    this.ensure(ROOM + end - start);
    this.#escaped(src, start, end, ESCAPES_TWICE);
  }

  /** Grows the buffer at write position `o` for `remaining` input bytes; returns the new spare. */
  #room(o: number, remaining: number): number {
    this.pos = o;
    this.ensure(ROOM + remaining + 2);
    return this.buf.length - o - remaining - 2;
  }

  #escaped(src: Buffer, start: number, end: number, escapes: Array<number[] | undefined>): void {
    let out = this.buf;
    let o = this.pos;
    // Bytes that may be written beyond one per input byte before the next check (ROOM - 8 spare).
    let spare = out.length - o - (end - start) - 2;
    let i = start;
    while (i < end) {
      // A run of bytes copied as they are, then the byte that ends it.
      let j = i;
      while (j < end && SPECIAL[src[j] as number] === 0) j++;
      o = copyRun(src, i, j, out, o);
      i = j;
      if (i >= end) break;
      const b = src[i] as number;
      if (b < 0x80) {
        if (spare < 8) {
          spare = this.#room(o, end - i);
          out = this.buf;
        }
        const e = escapes[b] as number[];
        for (let k = 0; k < e.length; k++) out[o++] = e[k] as number;
        spare -= e.length - 1;
        i++;
        continue;
      }
      const n = utf8Sequence(src, i, end);
      if (n > 0) {
        for (let k = 0; k < n; k++) out[o++] = src[i + k] as number;
        i += n;
      } else {
        if (spare < 8) {
          spare = this.#room(o, end - i);
          out = this.buf;
        }
        spare -= 3 + n;
        out[o++] = 0xef;
        out[o++] = 0xbf;
        out[o++] = 0xbd;
        i -= n;
      }
    }
    this.pos = o;
  }

  /** `src[start..end)` as the UTF-8 decoder and encoder would give it back: invalid sequences → U+FFFD. */
  utf8(src: Buffer, start: number, end: number): void {
    this.ensure(3 * (end - start));
    const out = this.buf;
    let o = this.pos;
    let i = start;
    while (i < end) {
      let j = i;
      while (j < end && (src[j] as number) < 0x80) j++;
      o = copyRun(src, i, j, out, o);
      i = j;
      if (i >= end) break;
      const n = utf8Sequence(src, i, end);
      if (n > 0) {
        for (let k = 0; k < n; k++) out[o++] = src[i + k] as number;
        i += n;
      } else {
        for (const r of REPLACEMENT) out[o++] = r;
        i -= n;
      }
    }
    this.pos = o;
  }
}
