/**
 * Cursor math for one file. Every batch read from the file covers a range of it that ends at a
 * "safe" offset (everything before it is in this or an earlier batch). Each range is handed to
 * the sinks that received events from it; each of those sinks acknowledges it in order. The
 * committed offset — what the checkpoint may store — is the end of the longest prefix of ranges
 * that every receiving sink has acknowledged: the minimum over the per-sink cursors, where a sink
 * that received nothing from a range does not hold it back.
 */

export interface CursorRange {
  readonly end: number;
  /** Sinks that still have to acknowledge this range. */
  readonly waiting: Set<string>;
}

export class FileCursor {
  #committed: number;
  readonly #ranges: CursorRange[] = [];
  #head = 0;
  /** Per sink: end of the last range it acknowledged (for /status). */
  readonly acked = new Map<string, number>();

  constructor(start: number) {
    this.#committed = start;
  }

  get committed(): number {
    return this.#committed;
  }

  /** Ranges handed out and not yet acknowledged by all their sinks. */
  get pending(): number {
    return this.#ranges.length - this.#head;
  }

  /** The end of the last range handed out (or the committed offset if none is pending). */
  get handedOut(): number {
    const last = this.#ranges[this.#ranges.length - 1];
    return this.pending > 0 && last ? last.end : this.#committed;
  }

  /**
   * Registers a range ending at `end`, delivered to `sinks` (possibly none: then it is done at once
   * and the committed offset can move past it as soon as the ranges before it are done).
   */
  push(end: number, sinks: Iterable<string>): CursorRange {
    const range: CursorRange = { end, waiting: new Set(sinks) };
    this.#ranges.push(range);
    this.#advance();
    return range;
  }

  /** `sink` acknowledged `range`. Returns true when the committed offset moved. */
  ack(range: CursorRange, sink: string): boolean {
    if (!range.waiting.delete(sink)) return false;
    const prev = this.acked.get(sink) ?? 0;
    if (range.end > prev) this.acked.set(sink, range.end);
    return this.#advance();
  }

  #advance(): boolean {
    const before = this.#committed;
    while (this.#head < this.#ranges.length) {
      const r = this.#ranges[this.#head];
      if (!r || r.waiting.size > 0) break;
      if (r.end > this.#committed) this.#committed = r.end;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#ranges.length) {
      this.#ranges.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#committed !== before;
  }
}
