/** Newline-delimited payloads: the lines as read (raw) or one JSON object per event (json). */
import type { RequestEvents } from '../../delivery/request.js';
import type { SpareBuffer } from '../../spare-buffer.js';

/** `spare`: the buffer of the previous write, reused for JSON lines once that write is done. */
export function encodeLines(request: RequestEvents, encoding: 'raw' | 'json', spare?: SpareBuffer): Buffer | Buffer[] {
  if (encoding === 'raw') return request.rawParts?.() ?? request.raw();
  const into = spare?.take();
  const fast = request.jsonLines?.(into);
  if (fast) return spare ? spare.lend(fast) : fast;
  const events = request.events();
  let out = '';
  for (const event of events) out += `${JSON.stringify(event)}\n`;
  return Buffer.from(out);
}

/** One datagram per line (the trailing newline dropped). */
export function splitLines(payloads: Buffer | readonly Buffer[]): Buffer[] {
  if (!Buffer.isBuffer(payloads)) return payloads.flatMap((p) => splitLines(p));
  const payload = payloads;
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = payload.indexOf(10, start);
    if (end < 0) break;
    out.push(payload.subarray(start, end));
    start = end + 1;
  }
  if (start < payload.length) out.push(payload.subarray(start));
  return out;
}
