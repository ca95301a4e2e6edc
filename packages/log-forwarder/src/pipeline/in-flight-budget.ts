/**
 * The in-flight cap (`max_in_flight_bytes`): each sink gets an equal share. Reading is pulled: a
 * lane asks for room before it reads; a slow or down sink holds its batches unacknowledged, its
 * share is used up and its lanes stop reading — only its lanes. Acknowledged bytes stay counted
 * until a checkpoint covers them, so what a crash can repeat to a sink is bounded by its share.
 * A batch counts its bytes plus LINE_OFFSET_BYTES per line.
 */
import type { Tailer } from '../source/tailer.js';

/**
 * What each line (or event) counts besides its bytes: the offsets a read keeps per line (start,
 * end, next: 16 bytes), which outweigh the bytes of lines shorter than 16.
 */
export const LINE_OFFSET_BYTES = 16;

/** One sink's share of the in-flight cap, and the tailers waiting for room in it. */
export class SinkBudget {
  /** Bytes handed to the sink and not yet acknowledged. */
  inFlight = 0;
  /** Acknowledged bytes not yet covered by a written checkpoint. */
  unsaved = 0;
  /** Bytes being read for the sink right now. */
  reserved = 0;
  /** Bytes read for the sink and held back before an event is complete (partial lines). */
  held = 0;
  /** Tailers with a lane of this sink that found no room, with the bytes each wanted (oldest first). */
  readonly blocked = new Map<Tailer, number>();

  get used(): number {
    return this.inFlight + this.unsaved + this.reserved + this.held;
  }
}

export class InFlightBudget {
  readonly sinks = new Map<string, SinkBudget>();
  /** Each sink's share of the cap. */
  readonly share: number;
  /** Bytes read and not yet acknowledged by every sink that received them. */
  inFlight = 0;
  /** Batches handed to sinks and not yet acknowledged. */
  pendingBatches = 0;
  #closed = false;

  constructor(
    readonly cap: number,
    sinkNames: Iterable<string>,
  ) {
    for (const name of sinkNames) this.sinks.set(name, new SinkBudget());
    this.share = Math.max(1, Math.floor(cap / Math.max(1, this.sinks.size)));
  }

  /**
   * May a lane of `sink` read `n` bytes now? Within its sink's share of the cap (a read may always
   * start when the sink holds nothing, so a line longer than the share still moves). A lane of no
   * sink only reads (nothing stays in flight).
   */
  tryReserve(t: Tailer, sink: string, n: number): boolean {
    const b = this.sinks.get(sink);
    if (!b) return true;
    const used = b.used;
    if (this.#closed || used + n <= this.share || used === 0) {
      b.reserved += n;
      return true;
    }
    b.blocked.delete(t);
    b.blocked.set(t, n);
    return false;
  }

  release(sink: string, n: number): void {
    const b = this.sinks.get(sink);
    if (!b) return;
    b.reserved -= n;
    this.wake(b);
  }

  /** `bytes` handed to `sink` in one batch. */
  sent(b: SinkBudget, bytes: number): void {
    this.inFlight += bytes;
    b.inFlight += bytes;
    this.pendingBatches++;
  }

  /** `sink` acknowledged a batch of `bytes`; true when half a share awaits a checkpoint. */
  acked(b: SinkBudget, bytes: number): boolean {
    this.pendingBatches--;
    this.inFlight -= bytes;
    b.inFlight -= bytes;
    b.unsaved += bytes;
    return b.unsaved >= this.share / 2;
  }

  /** Bytes held for `sink` outside any batch (partial lines) changed by `delta`. */
  hold(sink: string, delta: number): void {
    const b = this.sinks.get(sink);
    if (!b) return;
    b.held += delta;
    if (delta < 0) this.wake(b);
  }

  /** What a checkpoint about to be written covers: release it with `saved()` once written. */
  unsaved(): (readonly [SinkBudget, number])[] {
    return [...this.sinks.values()].map((b) => [b, b.unsaved] as const);
  }

  saved(covered: (readonly [SinkBudget, number])[]): void {
    for (const [b, n] of covered) {
      b.unsaved -= n;
      this.wake(b);
    }
  }

  /** Wakes the tailers waiting for room in `b`, oldest first, as many as the room fits. */
  wake(b: SinkBudget): void {
    if (b.blocked.size === 0) return;
    const used = b.used;
    let free = this.share - used;
    let first = used === 0 || this.#closed;
    for (const [t, n] of b.blocked) {
      if (n > free && !first && !this.#closed) break;
      first = false;
      free -= n;
      b.blocked.delete(t);
      t.wake();
    }
  }

  /** Shutting down: every read may go ahead. */
  close(): void {
    this.#closed = true;
    for (const b of this.sinks.values()) this.wake(b);
  }
}
