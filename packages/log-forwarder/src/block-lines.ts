/**
 * Lines straight from the read buffer, for sinks that encode without building events.
 *
 * A block line is the event `{ message, timestamp, file, truncated? }` (see `BlockData.events()`):
 * the message is the line's bytes, the timestamp and file are the block's. An encoder that only
 * reads those fields can write its output from the bytes, one Buffer per request; anything that
 * reads other fields (or data that was parsed or transformed) takes the events path.
 */
import { JsonWriter } from './json-writer.js';
import type { LineBlock } from './source/lines.js';

/** The lines of one read and what every event made of them shares. */
export interface BlockLines {
  readonly block: LineBlock;
  readonly file: string;
  readonly idPrefix: string;
  /** The events' timestamp (RFC 3339). */
  readonly now: string;
  readonly count: number;
}

/** Lines `from` (inclusive) to `to` (exclusive) of a block. */
export interface LineSlice {
  readonly lines: BlockLines;
  readonly from: number;
  readonly to: number;
}

/** The fields a block line's event has. */
const BLOCK_FIELDS: ReadonlySet<string> = new Set(['message', 'timestamp', 'file', 'truncated']);

/** True when every field named can be told from the block alone (the same for all its lines). */
export function perBlock(fields: readonly string[]): boolean {
  return fields.every((f) => f === 'timestamp' || f === 'file' || !(BLOCK_FIELDS.has(f) || BLOCK_FIELDS.has(f.split('.')[0] as string)));
}

/** The event every line of the block shares but for its message (for templates that read timestamp/file). */
export function blockEvent(lines: BlockLines): { message: string; timestamp: string; file: string } {
  return { message: '', timestamp: lines.now, file: lines.file };
}

/** Index into `truncated` of the first line at or after `from`. */
export function firstTruncated(truncated: readonly number[], from: number): number {
  let t = 0;
  while (t < truncated.length && (truncated[t] as number) < from) t++;
  return t;
}

/** Bytes of the lines' content (what an encoder's output is sized from). */
function sliceBytes(slices: readonly LineSlice[]): number {
  let n = 0;
  for (const { lines, from, to } of slices) {
    if (to > from) n += (lines.block.ends[to - 1] as number) - (lines.block.starts[from] as number);
  }
  return n;
}

/**
 * A writer sized for the slices: their bytes (and a tenth for escapes) plus `perLine` bytes of
 * framing per line (besides the file's path, counted when `withFile`). It grows if that is short.
 */
export function writerFor(slices: readonly LineSlice[], perLine: number, withFile = true, into?: Buffer): JsonWriter {
  let framing = 0;
  for (const { lines, from, to } of slices) framing += (to - from) * (perLine + (withFile ? lines.file.length : 0));
  return new JsonWriter(Math.ceil(sliceBytes(slices) * 1.1) + framing + 1024, into);
}

const CLOSE = Buffer.from('}\n');
const TRUNCATED = Buffer.from(',"truncated":true');

/** The part of the JSON text of a block line's event after its message: `,"timestamp":..,"file":..`. */
export function eventTail(lines: BlockLines): Buffer {
  return Buffer.from(`,"timestamp":${JSON.stringify(lines.now)},"file":${JSON.stringify(lines.file)}`);
}

export const MESSAGE_HEAD = Buffer.from('{"message":');

/**
 * Line `i` as its event's JSON text and `\n`: `head` (`{"message":` or more fields before it),
 * the message, `tail` (`eventTail`), `"truncated":true` where the line was cut.
 */
export function writeEventLine(w: JsonWriter, lines: BlockLines, i: number, head: Buffer, tail: Buffer, cut: boolean): void {
  w.bytes(head);
  w.jsonString(lines.block.chunk, lines.block.starts[i] as number, lines.block.ends[i] as number);
  w.bytes(tail);
  if (cut) w.bytes(TRUNCATED);
  w.bytes(CLOSE);
}

/**
 * JSON lines (`JSON.stringify(event)` and `\n` per line), the bytes of the events path; written
 * into `into` when it is large enough (a buffer the caller no longer uses).
 */
export function jsonLines(slices: readonly LineSlice[], into?: Buffer): Buffer {
  const w = writerFor(slices, 72, true, into);
  for (const { lines, from, to } of slices) {
    const { truncated } = lines.block;
    const tail = eventTail(lines);
    let t = firstTruncated(truncated, from);
    for (let i = from; i < to; i++) {
      const cut = truncated[t] === i;
      if (cut) t++;
      writeEventLine(w, lines, i, MESSAGE_HEAD, tail, cut);
    }
  }
  return w.result();
}

/** The deterministic id of line `i` (`<idPrefix>:<offset>`, as `ids()` gives it), written as bytes. */
export function writeId(w: JsonWriter, prefix: Buffer, lines: BlockLines, i: number): void {
  w.bytes(prefix);
  w.decimal(lines.block.base + (lines.block.starts[i] as number));
}
