import { hasJsonLines } from '../batch.js';
import { type BlockLines, jsonLines } from '../block-lines.js';
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
 * encoded into the buffer of the previous write once `done()` says it is written, so a busy
 * sink does not allocate (and leave to the GC) a buffer per batch.
 */
export class LocalEncoder {
  #spare: Buffer | undefined;
  #lent: Buffer | undefined;

  constructor(readonly encoding: LocalEncoding) {}

  encode(batch: EventBatch): Buffer {
    const lines = this.encoding === 'json' ? (batch as Partial<{ lines(): BlockLines | undefined }>).lines?.() : undefined;
    if (!lines || lines.count === 0) return encodeBatch(batch, this.encoding);
    const spare = this.#spare;
    this.#spare = undefined;
    this.#lent = jsonLines([{ lines, from: 0, to: lines.count }], spare);
    return this.#lent;
  }

  /** `buf` (returned by `encode`) is written: its memory may be reused. */
  done(buf: Buffer): void {
    if (buf !== this.#lent) return;
    this.#lent = undefined;
    // Only a buffer of its own: small ones are slices of Buffer's shared pool.
    if (buf.byteOffset !== 0 || buf.buffer.byteLength <= Buffer.poolSize) return;
    this.#spare = Buffer.from(buf.buffer, buf.byteOffset, buf.buffer.byteLength - buf.byteOffset);
  }
}
