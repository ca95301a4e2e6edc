/**
 * Reassembles lines a container runtime split (cri `P` parts, docker json-file lines without a
 * trailing `\n`): parts are joined per stream until the final part arrives, so stdout and stderr
 * parts may interleave.
 *
 * CRI parts are joined as bytes and decoded once, at the end: containerd splits at 16 KiB of
 * bytes, so a UTF-8 character may start in one part and end in the next. (Docker's json-file
 * already wrote such a character as U+FFFD; its parts are joined as the strings they are.)
 *
 * Bounded: a message that grows past `maxBytes` keeps its head and is flagged `truncated`; one
 * whose final part has not come `timeoutMs` after its last part is emitted as it is and flagged
 * `partial: true` (a runtime that crashed mid-line never sends it). `heldBytes` is what the open
 * messages hold, for the in-flight budget.
 */
import type { SourceRecord } from '../multiline/record.js';

interface Open {
  rec: SourceRecord;
  /** CRI: the message bytes of each part; docker: undefined (the message string grows). */
  parts?: Buffer[];
  messageBytes: number;
  deadline: number;
}

export class Partials {
  readonly #open = new Map<string, Open>();
  #held = 0;

  constructor(
    readonly maxBytes: number,
    readonly timeoutMs = Number.POSITIVE_INFINITY,
  ) {}

  pendingFrom(): number | undefined {
    let min: number | undefined;
    for (const o of this.#open.values()) if (min === undefined || o.rec.start < min) min = o.rec.start;
    return min;
  }

  /** Bytes of the file the open messages hold. */
  get heldBytes(): number {
    return this.#held;
  }

  /** When the oldest open message times out, if any is open. */
  deadline(): number | undefined {
    let min: number | undefined;
    for (const o of this.#open.values()) if (min === undefined || o.deadline < min) min = o.deadline;
    return min === Number.POSITIVE_INFINITY ? undefined : min;
  }

  /**
   * `messageFrom`: where the message starts in the line's bytes (`rec.lines[0]`) when the parser
   * takes it verbatim from the line (cri); undefined when it is decoded from the line (docker).
   */
  push(rec: SourceRecord, stream: string, partial: boolean, out: SourceRecord[], nowMs = 0, messageFrom?: number): void {
    const open = this.#open.get(stream);
    const bytes = messageFrom !== undefined ? (rec.lines[0] as Buffer).subarray(messageFrom) : undefined;
    if (!open) {
      if (!partial) {
        out.push(rec);
        return;
      }
      const first = { ...rec, lines: [...rec.lines] };
      const o: Open = {
        rec: first,
        messageBytes: bytes?.length ?? Buffer.byteLength(rec.event.message),
        deadline: nowMs + this.timeoutMs,
      };
      if (bytes) o.parts = [bytes];
      this.#open.set(stream, o);
      this.#held += rec.bytes;
      return;
    }
    const add = bytes?.length ?? Buffer.byteLength(rec.event.message);
    if (open.rec.event.truncated === true) {
      // already cut: the rest of this message is skipped
    } else if (open.messageBytes + add <= this.maxBytes) {
      if (open.parts && bytes) open.parts.push(bytes);
      else open.rec.event.message += rec.event.message;
      open.messageBytes += add;
    } else {
      open.rec.event.truncated = true;
    }
    open.rec.end = rec.end;
    open.rec.bytes += 1 + rec.bytes;
    open.deadline = nowMs + this.timeoutMs;
    this.#held += 1 + rec.bytes;
    for (const l of rec.lines) open.rec.lines.push(l);
    if (!partial) this.#close(stream, open, out);
  }

  #close(stream: string, o: Open, out: SourceRecord[]): void {
    this.#open.delete(stream);
    this.#held -= o.rec.bytes;
    if (o.parts) o.rec.event.message = Buffer.concat(o.parts).toString('utf8');
    out.push(o.rec);
  }

  /** Emits the open messages whose final part is overdue, flagged `partial`. */
  flushDue(nowMs: number, out: SourceRecord[]): void {
    for (const [stream, o] of [...this.#open].sort((a, b) => a[1].rec.start - b[1].rec.start)) {
      if (o.deadline > nowMs) continue;
      o.rec.event.partial = true;
      this.#close(stream, o, out);
    }
  }

  /** Emits every open message as it is (shutdown, file rotated away). */
  flush(out: SourceRecord[]): void {
    for (const [stream, o] of [...this.#open].sort((a, b) => a[1].rec.start - b[1].rec.start)) this.#close(stream, o, out);
  }
}
