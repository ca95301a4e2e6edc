/**
 * From lines to events for one file: parse each line, join partial lines (cri, docker), join
 * multi-line events. Holds back the lines of unfinished events; `pendingFrom()` says where the
 * first of them starts, so the checkpoint never moves past a line that is not in an event yet.
 *
 * With the raw parser and no multiline there is nothing to do per line: `fast` is true and the
 * pipeline hands the line block to the sinks as it is.
 */
import { Multiline, type MultilineOptions } from '../multiline/multiline.js';
import type { SourceRecord } from '../multiline/record.js';
import type { Parser } from '../parse/parser.js';
import { Partials } from '../parse/partials.js';
import type { LineBlock } from './lines.js';

export class EventAssembler {
  readonly fast: boolean;
  readonly #parser: Parser;
  readonly #multiline?: Multiline;
  readonly #partials?: Partials;

  constructor(parser: Parser, multiline: MultilineOptions | undefined, maxLineBytes: number, partialTimeoutMs?: number) {
    this.#parser = parser;
    if (multiline) this.#multiline = new Multiline(multiline);
    if (parser.reassembles) this.#partials = new Partials(maxLineBytes, partialTimeoutMs);
    this.fast = parser.type === 'raw' && !multiline;
  }

  pendingFrom(): number | undefined {
    const a = this.#partials?.pendingFrom();
    const b = this.#multiline?.pendingFrom();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /** When held-back lines must be emitted (multiline or partial-line timeout), if any are held. */
  deadline(): number | undefined {
    const a = this.#partials?.deadline();
    const b = this.#multiline?.deadline();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /** Bytes of partial lines held for reassembly (counted in the in-flight budget). */
  get heldBytes(): number {
    return this.#partials?.heldBytes ?? 0;
  }

  push(block: LineBlock, file: string, now: string, nowMs: number, out: SourceRecord[]): void {
    const { chunk, starts, ends, nexts, truncated, base, count } = block;
    let t = 0;
    for (let i = 0; i < count; i++) {
      const s = starts[i] as number;
      const e = ends[i] as number;
      const line = chunk.toString('utf8', s, e);
      const p = this.#parser.parse(line, file, now);
      if (truncated[t] === i) {
        p.event.truncated = true;
        t++;
      }
      const rec: SourceRecord = { event: p.event, start: base + s, end: nexts[i] as number, lines: [chunk.subarray(s, e)], bytes: e - s };
      if (this.#partials && p.stream !== undefined) {
        const joined: SourceRecord[] = this.#multiline ? [] : out;
        this.#partials.push(rec, p.stream, p.partial ?? false, joined, nowMs, p.messageFrom);
        if (this.#multiline) for (const r of joined) this.#multiline.push(r, nowMs, out);
      } else if (this.#multiline) {
        this.#multiline.push(rec, nowMs, out);
      } else {
        // Not in the format (no stream): delivered raw with parse_error, never held or dropped.
        out.push(rec);
      }
    }
  }

  flushDue(nowMs: number, out: SourceRecord[]): void {
    if (this.#partials) {
      const joined: SourceRecord[] = [];
      this.#partials.flushDue(nowMs, joined);
      for (const r of joined) this.#multiline ? this.#multiline.push(r, nowMs, out) : out.push(r);
    }
    this.#multiline?.flushDue(nowMs, out);
  }

  /** Emits everything held back. */
  flush(out: SourceRecord[]): void {
    if (this.#partials) {
      const joined: SourceRecord[] = [];
      this.#partials.flush(joined);
      for (const r of joined) this.#multiline ? this.#multiline.push(r, 0, out) : out.push(r);
    }
    this.#multiline?.flush(out);
  }
}
