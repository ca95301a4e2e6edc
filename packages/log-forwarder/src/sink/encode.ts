import { hasJsonLines } from '../batch.js';
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
