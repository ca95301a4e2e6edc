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
  /** Per line: first byte inside `chunk`. */
  readonly starts: number[];
  /** Per line: one past the last content byte inside `chunk` (newline excluded). */
  readonly ends: number[];
  /** Per line: file offset one past the line's newline (where the next line starts). */
  readonly nexts: number[];
  /** Indices of lines cut at `max_line_bytes`. */
  readonly truncated: number[];
  /** True when every line ends in a bare `\n` and none was cut: `chunk[starts[0]..nexts[last]]` is the raw text. */
  contiguous: boolean;
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

/**
 * Splits file chunks into lines. State: whether an over-long line is being skipped (its head was
 * emitted; the rest up to its newline is dropped).
 */
export class LineSplitter {
  #skipping = false;

  constructor(readonly maxLineBytes: number) {}

  get skipping(): boolean {
    return this.#skipping;
  }

  /** Forget any partial state (the file was truncated and is read again from 0). */
  reset(): void {
    this.#skipping = false;
  }

  /**
   * Splits `chunk` (read at file offset `base`). A trailing part without a newline is left
   * unconsumed (it is read again once more bytes arrive) unless `final` is set (the file was
   * rotated away and will not grow): then it is emitted as the last line.
   */
  split(chunk: Buffer, base: number, final = false): SplitResult {
    const max = this.maxLineBytes;
    const starts: number[] = [];
    const ends: number[] = [];
    const nexts: number[] = [];
    const truncated: number[] = [];
    let contiguous = true;
    let skippedBytes = 0;
    let pos = 0;
    const len = chunk.length;

    if (this.#skipping) {
      const nl = chunk.indexOf(10, 0);
      if (nl < 0) {
        return {
          block: { chunk, base, starts, ends, nexts, truncated, contiguous: false },
          consumedTo: base + len,
          skippedBytes: len,
        };
      }
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
        truncated.push(starts.length);
        skippedBytes += end - cut;
        end = cut;
        contiguous = false;
      }
      starts.push(pos);
      ends.push(end);
      nexts.push(base + nl + 1);
      pos = nl + 1;
    }

    const rest = len - pos;
    if (rest > max) {
      // An over-long line with no newline yet: keep its head, skip the rest up to the newline.
      const cut = utf8Boundary(chunk, pos, pos + max);
      truncated.push(starts.length);
      starts.push(pos);
      ends.push(cut);
      nexts.push(base + len);
      skippedBytes += len - cut;
      this.#skipping = true;
      contiguous = false;
      pos = len;
    } else if (rest > 0 && final) {
      starts.push(pos);
      ends.push(len);
      nexts.push(base + len);
      contiguous = false;
      pos = len;
    }
    return {
      block: { chunk, base, starts, ends, nexts, truncated, contiguous },
      consumedTo: base + pos,
      skippedBytes,
    };
  }
}

/** The start offset in the file of line `i` of `block`. */
export function lineOffset(block: LineBlock, i: number): number {
  return block.base + (block.starts[i] ?? 0);
}
