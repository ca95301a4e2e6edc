/**
 * Parses, transforms and re-serialises a JSON body. Returns undefined when the bytes are not
 * valid JSON (the caller decides: 400 for requests, pass-through or 502 for responses).
 */
export function parseJson(buf: Buffer): { ok: true; doc: unknown } | { ok: false; error: string } {
  try {
    // A UTF-8 BOM is allowed by RFC 8259 parsers to be ignored.
    const text = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.toString('utf8', 3) : buf.toString('utf8');
    return { ok: true, doc: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The JSON text; kept a string (no Buffer copy): sockets and zlib take strings. */
export function serialiseJson(doc: unknown): string {
  // `undefined` (a script returned nothing sensible at the root) serialises as `null`.
  return JSON.stringify(doc) ?? 'null';
}
