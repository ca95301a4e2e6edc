/**
 * Joins the lines of one multi-line event (a stack trace) into one event. Pure: the caller gives
 * the clock and asks for timed-out events with `flushDue(now)`.
 *
 * Modes:
 * - `start`: a line matching `start_pattern` starts an event; other lines are appended to it.
 * - `continuation`: a line matching `continuation_pattern` is appended to the event before it.
 * - `preset` (java, python, go): state machines, see `presets.ts`.
 * The pending event is emitted when the next event starts, when it reaches `max_lines` or
 * `max_bytes` (the rest continues as a new event), or `timeout_ms` after its LAST line (the
 * timeout restarts with every appended line).
 */
import { type MultilineRule, type PresetName, presets, START } from './presets.js';
import type { SourceRecord } from './record.js';

export interface MultilineOptions {
  start_pattern?: string;
  continuation_pattern?: string;
  preset?: PresetName;
  timeout_ms: number;
  max_lines: number;
  max_bytes: number;
}

export class Multiline {
  readonly #start?: RegExp;
  readonly #cont?: RegExp;
  readonly #rules?: MultilineRule[];
  readonly #opts: MultilineOptions;
  #pending: SourceRecord | undefined;
  #lines = 0;
  #state = START;
  #deadline = 0;
  /** A line a `tentative` rule matched: appended once the next line confirms it, else looked at afresh. */
  #tentative?: { rec: SourceRecord; now: number };

  constructor(opts: MultilineOptions) {
    this.#opts = opts;
    if (opts.preset) this.#rules = presets[opts.preset];
    else if (opts.start_pattern !== undefined) this.#start = new RegExp(opts.start_pattern);
    else if (opts.continuation_pattern !== undefined) this.#cont = new RegExp(opts.continuation_pattern);
    else throw new Error('multiline needs start_pattern, continuation_pattern or preset');
  }

  /** Offset of the first line held back, if any. */
  pendingFrom(): number | undefined {
    return this.#pending?.start;
  }

  /** When the pending event times out (ms, the caller's clock), if one is pending. */
  deadline(): number | undefined {
    return this.#pending ? this.#deadline : undefined;
  }

  /** Feeds one record; returns the events completed by it (in order). */
  push(rec: SourceRecord, now: number, out: SourceRecord[]): void {
    const msg = rec.event.message;
    if (this.#rules) {
      this.#pushRules(rec, msg, now, out);
      return;
    }
    const pending = this.#pending;
    if (this.#start) {
      if (this.#start.test(msg) || !pending) this.#open(rec, now, out);
      else this.#append(rec, now, out);
    } else if (this.#cont) {
      if (pending && this.#cont.test(msg)) this.#append(rec, now, out);
      else this.#open(rec, now, out);
    }
  }

  #pushRules(rec: SourceRecord, msg: string, now: number, out: SourceRecord[]): void {
    const rules = this.#rules as MultilineRule[];
    if (this.#pending) {
      for (const r of rules) {
        if (r.state === this.#state && r.pattern.test(msg)) {
          this.#state = r.next;
          this.#confirmTentative(out);
          if (r.tentative) this.#tentative = { rec, now };
          else this.#append(rec, now, out);
          return;
        }
      }
      this.#emit(out);
    }
    this.#startRules(rec, msg, now, out);
  }

  #confirmTentative(out: SourceRecord[]): void {
    const t = this.#tentative;
    if (!t) return;
    this.#tentative = undefined;
    this.#append(t.rec, t.now, out);
  }

  #startRules(rec: SourceRecord, msg: string, now: number, out: SourceRecord[]): void {
    const rules = this.#rules as MultilineRule[];
    for (const r of rules) {
      if (r.state === START && r.pattern.test(msg)) {
        this.#open(rec, now, out);
        this.#state = r.next;
        return;
      }
    }
    out.push(rec);
  }

  #open(rec: SourceRecord, now: number, out: SourceRecord[]): void {
    if (this.#pending) this.#emit(out);
    this.#pending = { ...rec, lines: [...rec.lines] };
    this.#lines = 1;
    this.#deadline = now + this.#opts.timeout_ms;
  }

  #append(rec: SourceRecord, now: number, out: SourceRecord[]): void {
    const p = this.#pending;
    if (!p) {
      this.#open(rec, now, out);
      return;
    }
    if (this.#lines + 1 > this.#opts.max_lines || p.bytes + 1 + rec.bytes > this.#opts.max_bytes) {
      // Cap reached: emit what we have; this line starts the next part of the event.
      p.event.multiline_split = true;
      const state = this.#state;
      this.#emit(out);
      this.#open(rec, now, out);
      this.#state = state;
      return;
    }
    p.event.message = `${p.event.message}\n${rec.event.message}`;
    p.end = rec.end;
    p.bytes += 1 + rec.bytes;
    for (const l of rec.lines) p.lines.push(l);
    this.#lines++;
    this.#deadline = now + this.#opts.timeout_ms;
  }

  #emit(out: SourceRecord[]): void {
    if (this.#pending) out.push(this.#pending);
    this.#pending = undefined;
    this.#lines = 0;
    this.#state = START;
    // An unconfirmed line is not part of the event: it is looked at as the next line.
    const t = this.#tentative;
    this.#tentative = undefined;
    if (t) this.#startRules(t.rec, t.rec.event.message, t.now, out);
  }

  /** Emits the pending event if its timeout has passed. */
  flushDue(now: number, out: SourceRecord[]): void {
    if (this.#pending && now >= this.#deadline) this.#emit(out);
  }

  /** Emits the pending event now (shutdown, file rotated away). */
  flush(out: SourceRecord[]): void {
    this.#emit(out);
    if (this.#pending) this.#emit(out); // a held tentative line that opened an event of its own
  }

  /** Drops pending state (the file was truncated: the lines held are gone from it). */
  reset(): void {
    this.#pending = undefined;
    this.#tentative = undefined;
    this.#lines = 0;
    this.#state = START;
  }
}
