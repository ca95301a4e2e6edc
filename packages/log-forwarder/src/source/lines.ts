/**
 * Line splitting on Buffers: the hot path never builds a string or an object per line.
 *
 * A `LineBlock` is one read of a file cut into lines: the chunk it was read into and, per line,
 * where the line's bytes start and end inside the chunk (without `\n` or `\r\n`) and where the line
 * starts and ends in the file (the end counts its newline, so it is the next line's start).
 */

export interface LineBlock {
  readonly chunk: Buffer;
  /** Offset of `chunk[0]` in the file. */
  readonly base: number;
  /** Lines in the block (the arrays below may be longer). */
  readonly count: number;
  /** Per line: first byte inside `chunk`. */
  readonly starts: ArrayLike<number>;
  /** Per line: one past the last content byte inside `chunk` (newline excluded). */
  readonly ends: ArrayLike<number>;
  /** Per line: file offset one past the line's newline (where the next line starts). */
  readonly nexts: ArrayLike<number>;
  /** Indices of lines cut at `max_line_bytes`. */
  readonly truncated: readonly number[];
  /** True when every line ends in a bare `\n` and none was cut: `chunk[starts[0]..nexts[last]]` is the raw text. */
  contiguous: boolean;
}

/**
 * Per-line offsets, grown on demand. A read buffer that is reused keeps its own (see
 * read-buffers.ts): its blocks point into them, so a block of a reused buffer costs no
 * allocation. (Arrays of their own per block were ~29 KB per 256 KiB read, kept until the sink
 * acknowledged it: promoted, and most of what the old generation collected.)
 */
export class LineOffsets {
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  nexts = new Float64Array(1024);

  grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    const nexts = new Float64Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    nexts.set(this.nexts);
    this.starts = starts;
    this.ends = ends;
    this.nexts = nexts;
  }
}

export interface SplitResult {
  block: LineBlock;
  /** File offset up to which the chunk was consumed; bytes after it are read again next time. */
  consumedTo: number;
  /** Bytes dropped from over-long lines (after their kept head). */
  skippedBytes: number;
}

/** Cuts `cut` back so it does not split a UTF-8 sequence (never below `from + 1`). */
function utf8Boundary(chunk: Buffer, from: number, cut: number): number {
  let i = cut;
  let steps = 0;
  while (i > from + 1 && steps < 3 && ((chunk[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    steps++;
  }
  return steps === 3 && ((chunk[i] ?? 0) & 0xc0) === 0x80 ? cut : i;
}

/** The `truncated` of the blocks that have no cut line (most): shared, never pushed to. */
const NONE: readonly number[] = Object.freeze([]);

/**
 * Where a split writes the offsets of a chunk that has none of its own, shared by every splitter
 * (a split runs to its end without yielding, and its block gets exact-size copies: plain arrays,
 * as typed ones per block are external memory each, which makes V8 start major GCs far more
 * often). One per splitter would be 16 KB per tailed file.
 */
const SCRATCH = new LineOffsets();

/**
 * Splits file chunks into lines. State: whether an over-long line is being skipped (its head was
 * emitted; the rest up to its newline is dropped).
 */
export class LineSplitter {
  #skipping = false;
  #into: LineOffsets = SCRATCH;
  #n = 0;

  constructor(readonly maxLineBytes: number) {}

  get skipping(): boolean {
    return this.#skipping;
  }

  /** Forget any partial state (the file was truncated and is read again from 0). */
  reset(): void {
    this.#skipping = false;
  }

  #add(start: number, end: number, next: number): void {
    const n = this.#n;
    const into = this.#into;
    if (n === into.starts.length) into.grow();
    into.starts[n] = start;
    into.ends[n] = end;
    into.nexts[n] = next;
    this.#n = n + 1;
  }

  /** The lines added since the last block, as a block. */
  #block(chunk: Buffer, base: number, truncated: readonly number[], contiguous: boolean): LineBlock {
    const n = this.#n;
    const into = this.#into;
    this.#n = 0;
    this.#into = SCRATCH;
    if (into !== SCRATCH) return { chunk, base, count: n, starts: into.starts, ends: into.ends, nexts: into.nexts, truncated, contiguous };
    const starts = new Array<number>(n);
    const ends = new Array<number>(n);
    const nexts = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      starts[i] = into.starts[i] as number;
      ends[i] = into.ends[i] as number;
      nexts[i] = into.nexts[i] as number;
    }
    return { chunk, base, count: n, starts, ends, nexts, truncated, contiguous };
  }

  /**
   * Splits `chunk` (read at file offset `base`). A trailing part without a newline is left
   * unconsumed (it is read again once more bytes arrive) unless `final` is set (the file was
   * rotated away and will not grow): then it is emitted as the last line. With `offsets` (the
   * chunk's own, reused with it) the block points into them instead of arrays of its own.
   */
  split(chunk: Buffer, base: number, final = false, offsets?: LineOffsets): SplitResult {
    const max = this.maxLineBytes;
    let truncated: number[] | undefined;
    let contiguous = true;
    let skippedBytes = 0;
    let pos = 0;
    const len = chunk.length;
    this.#n = 0;
    this.#into = offsets ?? SCRATCH;

    if (this.#skipping) {
      const nl = chunk.indexOf(10, 0);
      if (nl < 0) return { block: this.#block(chunk, base, NONE, false), consumedTo: base + len, skippedBytes: len };
      this.#skipping = false;
      skippedBytes += nl + 1;
      pos = nl + 1;
      contiguous = false;
    }

    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      let end = nl;
      if (end > pos && chunk[end - 1] === 13) {
        end--;
        contiguous = false;
      }
      if (end - pos > max) {
        const cut = utf8Boundary(chunk, pos, pos + max);
        truncated = truncated ?? [];
        truncated.push(this.#n);
        skippedBytes += end - cut;
        end = cut;
        contiguous = false;
      }
      this.#add(pos, end, base + nl + 1);
      pos = nl + 1;
    }

    const rest = len - pos;
    if (rest > max) {
      // An over-long line with no newline yet: keep its head, skip the rest up to the newline.
      const cut = utf8Boundary(chunk, pos, pos + max);
      truncated = truncated ?? [];
      truncated.push(this.#n);
      this.#add(pos, cut, base + len);
      skippedBytes += len - cut;
      this.#skipping = true;
      contiguous = false;
      pos = len;
    } else if (rest > 0 && final) {
      this.#add(pos, len, base + len);
      contiguous = false;
      pos = len;
    }
    return { block: this.#block(chunk, base, truncated ?? NONE, contiguous), consumedTo: base + pos, skippedBytes };
  }
}

/** The start offset in the file of line `i` of `block`. */
export function lineOffset(block: LineBlock, i: number): number {
  return block.base + (block.starts[i] ?? 0);
}
