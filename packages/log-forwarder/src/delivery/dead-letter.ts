/**
 * The dead-letter file: events a remote rejected for good, one JSON object per line with the error,
 * so nothing is ever dropped silently. Size-capped: past `maxBytes` an entry is counted and logged
 * instead of written (the oldest entries, usually the first sign of a problem, are kept).
 */
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
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
  logger: Logger;
  /** Called with the number of entries that did not fit under the cap. */
  onOverflow?(count: number): void;
}

export class DeadLetterFile {
  #size: number | undefined;
  #chain: Promise<void> = Promise.resolve();
  #overflowWarned = false;

  constructor(private readonly options: DeadLetterOptions) {}

  get path(): string {
    return this.options.path;
  }

  /** Appends the entries (in order, one write per call); resolves once they are on disk. */
  append(entries: readonly DeadLetter[]): Promise<{ written: number; overflow: number }> {
    const result = this.#chain.then(() => this.#write(entries));
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #write(entries: readonly DeadLetter[]): Promise<{ written: number; overflow: number }> {
    const { path, maxBytes, sink, logger } = this.options;
    if (this.#size === undefined) {
      await mkdir(dirname(path), { recursive: true });
      this.#size = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
    }
    const time = new Date().toISOString();
    const lines: string[] = [];
    let bytes = 0;
    let overflow = 0;
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
      if (this.#size + bytes + size > maxBytes) {
        overflow++;
        continue;
      }
      lines.push(line);
      bytes += size;
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
    if (overflow > 0) {
      this.options.onOverflow?.(overflow);
      if (!this.#overflowWarned) {
        this.#overflowWarned = true;
        logger.error(
          { code: 'OUTRIGGER_E_LF_DEAD_LETTER_FULL', sink, path, max_bytes: maxBytes },
          'dead-letter file is full; further rejected events are counted, not written',
        );
      }
    }
    return { written: lines.length, overflow };
  }
}
