/**
 * Field syntax shared by the parsers and the writers (RFC 9110 §5.5–5.6): tokens, clean values,
 * Content-Length, comma lists, and lookups in flat `[name, value, ...]` header lists. The parsers
 * read field lines from bytes in `field-lines.ts`.
 */

/** tchar (RFC 9110 §5.6.2): the bytes of a token (a method, a field name). */
const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 1 at each tchar byte, for the parsers that read bytes. */
export const TOKEN_BYTES = new Uint8Array(256);
for (const c of TCHARS) TOKEN_BYTES[c.charCodeAt(0)] = 1;
const DIGITS = /^\d+$/;

/**
 * A Content-Length value (RFC 9110 §8.6: 1*DIGIT; no sign, no list), or undefined when it is not
 * one or is too large to be exact in a double. Leading zeros are digits like any other.
 */
export function contentLength(value: string): number | undefined {
  if (!DIGITS.test(value)) return undefined;
  let i = 0;
  while (i < value.length - 1 && value.charCodeAt(i) === 48) i++;
  return value.length - i > 15 ? undefined : Number(value);
}

/** 1 at each character a field value may hold: HTAB, SP, VCHAR, obs-text. */
const VALUE_CHARS = new Uint8Array(256);
VALUE_CHARS[9] = 1;
VALUE_CHARS.fill(1, 0x20, 0x7f);
VALUE_CHARS.fill(1, 0x80, 0x100);

// The writers check every header of every message: loops over the tables, not regex calls.

/** Whether `value` is a token (RFC 9110 §5.6.2): one or more tchars. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f || TOKEN_BYTES[c] !== 1) return false;
  }
  return true;
}

/** Whether `value` may be sent as a field value as it is (no CR, LF, NUL or other control bytes). */
export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || VALUE_CHARS[c] !== 1) return false;
  }
  return true;
}

/** Whether a lower-case comma-separated list holds `token`. */
export function hasToken(list: string, token: string): boolean {
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}

/** The value of header `lower` (a lower-case name) in a flat list; repeated ones joined by ", ". */
export function headerValue(raw: readonly string[], lower: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (sameName(name, lower)) {
      out = out === undefined ? (raw[i + 1] as string) : `${out}, ${raw[i + 1]}`;
    }
  }
  return out;
}

/** The first value of header `lower` in a flat list whose names are lower-case (a response head's). */
export function firstValue(lowerRaw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < lowerRaw.length; i += 2) if (lowerRaw[i] === lower) return lowerRaw[i + 1];
  return undefined;
}

/** Sets header `lower` in a flat list with lower-case names: the first one replaced, others removed. */
export function setValue(lowerRaw: string[], lower: string, value: string): void {
  let found = false;
  for (let i = 0; i < lowerRaw.length; ) {
    if (lowerRaw[i] !== lower) i += 2;
    else if (!found) {
      found = true;
      lowerRaw[i + 1] = value;
      i += 2;
    } else lowerRaw.splice(i, 2);
  }
  if (!found) lowerRaw.push(lower, value);
}

/** Whether `name` is `lower` (a lower-case token) in any case, without making a lower-case copy. */
export function sameName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
