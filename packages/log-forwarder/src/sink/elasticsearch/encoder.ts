/**
 * Encodes a `_bulk` body: per event an action line `{"create":{"_index":..,"_id":..}}` and the
 * document line, each terminated by `\n` (the API requires the final newline).
 */
import {
  blockEvent,
  eventTail,
  firstTruncated,
  type LineSlice,
  MESSAGE_HEAD,
  perBlock,
  writeEventLine,
  writeId,
  writerFor,
} from '../../block-lines.js';
import type { RequestEvents } from '../../delivery/request.js';
import { compileTemplate, type Template } from '../../delivery/template.js';
import type { LogEvent } from '../sink.js';
import type { ElasticsearchSinkConfig } from './config.js';

export class BulkEncoder {
  readonly #index: Template;
  readonly #dated: boolean;
  /** The index and the document's fields are the same for every line of a block. */
  readonly #fromBlocks: boolean;

  constructor(private readonly config: Pick<ElasticsearchSinkConfig, 'index' | 'op_type' | 'timestamp_field'>) {
    this.#index = compileTemplate(config.index, 'unknown');
    this.#dated = /%[Ymd]/.test(config.index);
    this.#fromBlocks = perBlock(this.#index.fields) && config.timestamp_field !== 'truncated';
  }

  indexFor(event: LogEvent): string {
    let name = this.#index.render(event);
    if (this.#dated) {
      const ms = Date.parse(event.timestamp);
      const d = Number.isNaN(ms) ? new Date() : new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      name = name
        .replaceAll('%Y', String(d.getUTCFullYear()))
        .replaceAll('%m', pad(d.getUTCMonth() + 1))
        .replaceAll('%d', pad(d.getUTCDate()));
    }
    // Index names are lower case in Elasticsearch.
    return name.toLowerCase();
  }

  /** `into`: a buffer to encode into when it is large enough (lines straight from the file only). */
  encode(request: RequestEvents, into?: Buffer): string | Buffer {
    const slices = this.#fromBlocks ? request.slices?.() : undefined;
    if (slices) return this.#encodeLines(slices, into);
    const events = request.events();
    const ids = request.ids();
    const field = this.config.timestamp_field;
    let out = '';
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as LogEvent;
      const action = { [this.config.op_type]: { _index: this.indexFor(event), _id: ids[i] } };
      const doc = field && !(field in event) ? { [field]: event.timestamp, ...event } : event;
      out += `${JSON.stringify(action)}\n${JSON.stringify(doc)}\n`;
    }
    return out;
  }

  /** The bytes `encode()` gives for the lines' events, written from the read buffers. */
  #encodeLines(slices: readonly LineSlice[], into: Buffer | undefined): Buffer {
    const w = writerFor(slices, 192, true, into);
    const field = this.config.timestamp_field;
    const close = Buffer.from('"}}\n');
    for (const { lines, from, to } of slices) {
      const { truncated } = lines.block;
      const event = blockEvent(lines);
      const action = Buffer.from(`{${JSON.stringify(this.config.op_type)}:{"_index":${JSON.stringify(this.indexFor(event))},"_id":`);
      const idPrefix = Buffer.from(JSON.stringify(`${lines.idPrefix}:`).slice(0, -1));
      const docHead =
        field && !(field in event) ? Buffer.from(`{${JSON.stringify(field)}:${JSON.stringify(lines.now)},"message":`) : MESSAGE_HEAD;
      const tail = eventTail(lines);
      let t = firstTruncated(truncated, from);
      for (let i = from; i < to; i++) {
        w.bytes(action);
        writeId(w, idPrefix, lines, i);
        w.bytes(close);
        const cut = truncated[t] === i;
        if (cut) t++;
        writeEventLine(w, lines, i, docHead, tail, cut);
      }
    }
    return w.result();
  }
}
