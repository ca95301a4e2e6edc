import { hasJsonLines } from '../batch.js';
import { type BlockLines, jsonLines } from '../block-lines.js';
import { SpareBuffer } from '../spare-buffer.js';
import type { EventBatch } from './sink.js';

/** `json`: one JSON object per line; `raw`: the lines exactly as read. */
export type LocalEncoding = 'json' | 'raw';

export function encodeBatch(batch: EventBatch, encoding: LocalEncoding): Buffer {
  if (encoding === 'raw') return batch.raw();
  if (hasJsonLines(batch)) return batch.jsonLines();
  let s = '';
  for (const e of batch.events()) s += `${JSON.stringify(e)}\n`;
  return Buffer.from(s);
}

/**
 * `encodeBatch` for a sink that writes one batch at a time: lines straight from the file are
 * encoded into the buffer of the previous write once `done()` says it is written.
 */
export class LocalEncoder {
  readonly #spare = new SpareBuffer();

  constructor(readonly encoding: LocalEncoding) {}

  encode(batch: EventBatch): Buffer {
    const lines = this.encoding === 'json' ? (batch as Partial<{ lines(): BlockLines | undefined }>).lines?.() : undefined;
    if (!lines || lines.count === 0) return encodeBatch(batch, this.encoding);
    return this.#spare.lend(jsonLines([{ lines, from: 0, to: lines.count }], this.#spare.take()));
  }

  /** `buf` (returned by `encode`) is written: its memory may be reused. */
  done(buf: Buffer): void {
    this.#spare.done(buf);
  }
}
