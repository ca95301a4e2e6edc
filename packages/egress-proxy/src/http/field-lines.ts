/**
 * The field lines of a head (RFC 9110 §5.5, RFC 9112 §5), read from its bytes where they lie:
 * token names with no whitespace before the colon, no obs-fold, values of HTAB, SP, VCHAR and
 * obs-text only (no NUL, no bare CR or LF), optional whitespace trimmed. Shared by the request and
 * the response parsers.
 *
 * Why bytes and not a string split into lines: that made a string of the head, one per line, one
 * per name and its lower-case copy, on every request and response. Here a value is the one string
 * made, and a name is looked up in a small table of names seen before (the same few dozen on every
 * message), so a known name costs no allocation.
 */
import { TOKEN_BYTES } from './fields.js';

/** 1 at each byte a field value may hold: HTAB, SP, VCHAR, obs-text. */
const VALUE_BYTES = new Uint8Array(256);
VALUE_BYTES[9] = 1;
for (let b = 0x20; b <= 0x7e; b++) VALUE_BYTES[b] = 1;
for (let b = 0x80; b <= 0xff; b++) VALUE_BYTES[b] = 1;

const CR = 13;
const LF = 10;
const COLON = 58;
const SP = 32;
const HTAB = 9;

/** Longer names are made afresh each time (and never fill the table). */
const MAX_INTERNED_NAME = 64;
const SLOTS = 1024;

/**
 * Names by a hash of their bytes, one per slot, replaced on a collision: bounded whatever names
 * arrive (a flood of random ones only churns it). A hit is checked byte by byte.
 */
class NameTable {
  readonly #slots: (string | undefined)[] = new Array(SLOTS).fill(undefined);

  constructor(private readonly lower: boolean) {}

  name(bytes: Buffer, start: number, end: number, hash: number): string {
    const len = end - start;
    if (len > MAX_INTERNED_NAME) return this.#make(bytes, start, end);
    const slot = (hash ^ (len << 5)) & (SLOTS - 1);
    const known = this.#slots[slot];
    if (known !== undefined && known.length === len && this.#same(known, bytes, start)) return known;
    const made = this.#make(bytes, start, end);
    this.#slots[slot] = made;
    return made;
  }

  #make(bytes: Buffer, start: number, end: number): string {
    const text = bytes.toString('latin1', start, end);
    return this.lower ? text.toLowerCase() : text;
  }

  #same(known: string, bytes: Buffer, start: number): boolean {
    for (let i = 0; i < known.length; i++) {
      let b = bytes[start + i] as number;
      if (this.lower && b >= 65 && b <= 90) b |= 0x20;
      if (known.charCodeAt(i) !== b) return false;
    }
    return true;
  }
}

const asSent = new NameTable(false);
const lowerCased = new NameTable(true);

/**
 * The index of the CR that ends the line starting at `at`, or `end` when the line runs to it (the
 * last line of a head whose final CRLFCRLF is at `end`). A CR without its LF, or an LF without its
 * CR, throws.
 */
export function lineEnd(bytes: Buffer, at: number, end: number, fail: (detail: string) => Error): number {
  for (let i = at; i < end; i++) {
    const b = bytes[i] as number;
    if (b === CR) {
      if (bytes[i + 1] !== LF) throw fail('a bare CR or LF in the head');
      return i;
    }
    if (b === LF) throw fail('a bare CR or LF in the head');
  }
  return end;
}

/**
 * Reads the field lines in `bytes[start, end)` (from the first field line to the head's final
 * CRLFCRLF, which is at `end`) into `out` as `[name, value, ...]`: names as sent, or lower-cased
 * when `lower`. Throws `fail(detail)` on a line that breaks the syntax.
 */
export function readFields(
  bytes: Buffer,
  start: number,
  end: number,
  lower: boolean,
  out: string[],
  fail: (detail: string) => Error,
): void {
  const names = lower ? lowerCased : asSent;
  let at = start;
  while (at < end) {
    const first = bytes[at] as number;
    if (first === SP || first === HTAB) throw fail('obs-fold (a field line starting with whitespace)');
    // The name: token bytes up to the colon, hashed as they are checked.
    let i = at;
    let hash = 0;
    for (; i < end; i++) {
      let b = bytes[i] as number;
      if (b === COLON) break;
      if (TOKEN_BYTES[b] !== 1) {
        if (b === CR && bytes[i + 1] === LF) throw fail('a field line without a name');
        if (b === CR || b === LF) throw fail('a bare CR or LF in the head');
        throw fail('an invalid field name');
      }
      if (lower && b >= 65 && b <= 90) b |= 0x20;
      hash = (Math.imul(hash, 31) + b) | 0;
    }
    if (i === at || i === end) throw fail('a field line without a name');
    const name = names.name(bytes, at, i, hash);
    // The value: optional whitespace, then value bytes to the CRLF; trailing whitespace trimmed.
    let s = i + 1;
    while (s < end && (bytes[s] === SP || bytes[s] === HTAB)) s++;
    let e = s;
    for (; e < end; e++) {
      const b = bytes[e] as number;
      if (VALUE_BYTES[b] === 1) continue;
      if (b === CR && bytes[e + 1] === LF) break;
      if (b === CR || b === LF) throw fail('a bare CR or LF in the head');
      throw fail('an invalid field value');
    }
    const next = e === end ? end : e + 2;
    while (e > s && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
    out.push(name, s === e ? '' : bytes.toString('latin1', s, e));
    at = next;
  }
}
