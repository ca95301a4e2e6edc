/**
 * The dead-letter file: events a remote rejected for good, one JSON object per line with the error,
 * so nothing is ever dropped silently. Size-capped: `append` writes the entries that fit under
 * `maxBytes`, in order, and returns the rest — the driver decides whether they wait (backpressure)
 * or are dropped (`dead_letter.on_full`). Once full, the file's size is read again before each
 * write, so an operator who moves or truncates it makes room.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogEvent } from '../sink/sink.js';

export interface DeadLetter {
  id: string;
  event: LogEvent;
  reason: string;
  status?: number;
}

export interface DeadLetterOptions {
  path: string;
  maxBytes: number;
  sink: string;
}

export class DeadLetterFile {
  #size: number | undefined;
  #chain: Promise<void> = Promise.resolve();
  #full = false;

  constructor(private readonly options: DeadLetterOptions) {}

  get path(): string {
    return this.options.path;
  }

  /** Appends the entries (in order, one write per call); resolves once they are on disk. */
  append(entries: readonly DeadLetter[]): Promise<{ written: number; rest: DeadLetter[] }> {
    const result = this.#chain.then(() => this.#write(entries));
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #write(entries: readonly DeadLetter[]): Promise<{ written: number; rest: DeadLetter[] }> {
    const { path, maxBytes, sink } = this.options;
    if (this.#size === undefined || this.#full) {
      await mkdir(dirname(path), { recursive: true });
      this.#size = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
    }
    const time = new Date().toISOString();
    const lines: string[] = [];
    let bytes = 0;
    let fit = 0;
    for (const entry of entries) {
      const line = `${JSON.stringify({
        time,
        sink,
        reason: entry.reason,
        ...(entry.status === undefined ? {} : { status: entry.status }),
        id: entry.id,
        event: entry.event,
      })}\n`;
      const size = Buffer.byteLength(line);
      // An empty file takes one entry whatever its size, so an entry larger than the cap cannot block forever.
      if (this.#size + bytes + size > maxBytes && this.#size + bytes > 0) break;
      lines.push(line);
      bytes += size;
      fit++;
    }
    if (lines.length > 0) {
      const handle = await open(path, 'a');
      try {
        await handle.writeFile(lines.join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.#size += bytes;
    }
    this.#full = fit < entries.length;
    return { written: lines.length, rest: entries.slice(fit) };
  }
}
