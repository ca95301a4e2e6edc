import type { LogEvent } from '../sink/sink.js';

/** An event on its way out of a file, with the part of the file it came from. */
export interface SourceRecord {
  event: LogEvent;
  /** File offset of its first line. */
  start: number;
  /** File offset after its last line's newline. */
  end: number;
  /** The lines as read (without newlines). */
  lines: Buffer[];
  /** Bytes of those lines. */
  bytes: number;
}
