/**
 * The tailers' read buffers, reused once the sink that got a read's lines has acknowledged them.
 *
 * Why: a read buffer lives until its lines are acknowledged, long enough under a remote sink to
 * be promoted to V8's old generation, and a dead buffer there is freed only by the next full GC,
 * which V8 starts late for memory outside its heap: tens of MB of dead 256 KiB buffers made most
 * of the HTTP sinks' peak RSS. A buffer that comes back is read into again instead.
 *
 * Safe because each read has one owner: a lane reads for one sink, so a buffer's lines are in one
 * batch of one sink, which no longer reads them once it has acknowledged them (`EventBatch.ack`),
 * and a buffer comes back only from there, or from the tailer when nothing was handed out. The
 * same holds for the line offsets that go with each buffer (`offsetsOf`).
 */

import { LineOffsets } from './lines.js';

/**
 * Every buffer ever taken for a read (whichever ReadBuffers), with the line offsets of its block:
 * reused with it, so they have its owner. A read buffer is never an encoder's spare.
 */
const OFFSETS = new WeakMap<ArrayBuffer, LineOffsets>();

/** Is `buf` a view of a read buffer (owned by the tailers and their sinks' batches)? */
export function isReadBuffer(buf: Buffer): boolean {
  return OFFSETS.has(buf.buffer as ArrayBuffer);
}

/** The line offsets that go with read buffer `buf` (undefined for any other buffer). */
export function offsetsOf(buf: Buffer): LineOffsets | undefined {
  return OFFSETS.get(buf.buffer as ArrayBuffer);
}

interface Spares {
  buffers: Buffer[];
  /** The fewest spares there were since the last trim: that many were not needed. */
  low: number;
}

/**
 * Spare buffers are bounded by `maxBytes` (the in-flight cap: acks come back in bursts as large as
 * what was in flight), and those a trim finds unused since the one before are dropped, so an idle
 * forwarder keeps none.
 */
export class ReadBuffers {
  readonly #spares = new Map<number, Spares>();
  /** The buffers handed out and not given back: only those may come back (once). */
  readonly #out = new WeakSet<ArrayBuffer>();
  /** Reads into a buffer that came back (tests look at it). */
  reused = 0;

  constructor(readonly maxBytes: number) {}

  /** A buffer of exactly `size` bytes to read into (a spare one when there is). */
  take(size: number): Buffer {
    const spares = this.#spares.get(size);
    const spare = spares?.buffers.pop();
    if (spares && spare) {
      this.reused++;
      spares.low = Math.min(spares.low, spares.buffers.length);
      this.#out.add(spare.buffer as ArrayBuffer);
      return spare;
    }
    // Its own memory (never a slice of Buffer's shared pool), so it can be handed on whole.
    const buf = Buffer.allocUnsafeSlow(size);
    this.#out.add(buf.buffer as ArrayBuffer);
    OFFSETS.set(buf.buffer as ArrayBuffer, new LineOffsets());
    return buf;
  }

  /**
   * `chunk` (a view of a taken buffer) is no longer read by anyone. Anything else is ignored:
   * a buffer not taken here, or one already given back.
   */
  give(chunk: Buffer): void {
    const ab = chunk.buffer as ArrayBuffer;
    if (!this.#out.has(ab)) return;
    this.#out.delete(ab);
    const size = ab.byteLength;
    let spares = this.#spares.get(size);
    if (!spares) {
      spares = { buffers: [], low: 0 };
      this.#spares.set(size, spares);
    }
    if ((spares.buffers.length + 1) * size <= Math.max(size, this.maxBytes)) spares.buffers.push(Buffer.from(ab, 0, size));
  }

  /** Drops the spares no read needed since the last trim (call it every second or so). */
  trim(): void {
    for (const [size, spares] of this.#spares) {
      spares.buffers.splice(0, spares.low);
      spares.low = spares.buffers.length;
      if (spares.low === 0) this.#spares.delete(size);
    }
  }

  /** Spare buffers held now. */
  get spares(): number {
    let n = 0;
    for (const s of this.#spares.values()) n += s.buffers.length;
    return n;
  }
}
