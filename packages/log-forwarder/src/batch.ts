/**
 * The data of one read handed to the sinks, and the per-sink `EventBatch` views of it.
 *
 * `BlockData` is the raw fast path: a line block straight from the file; events are only built if
 * a sink asks for them, and sinks encode from its bytes without building them (block-lines.ts). `RecordData` carries
 * parsed / joined events. `DerivedData` is what a chain of transforms made of either.
 */
import { type BlockLines, jsonLines } from './block-lines.js';
import type { SourceRecord } from './multiline/record.js';
import type { EventBatch, LogEvent } from './sink/sink.js';
import type { LineBlock } from './source/lines.js';

export interface BatchData {
  readonly count: number;
  /** Bytes of the lines as read. */
  readonly bytes: number;
  events(): readonly LogEvent[];
  ids(): readonly string[];
  raw(): Buffer;
  /** The lines of event `i` as read, each followed by `\n`. */
  rawOf(i: number): Buffer;
  /** The events as JSON lines (`\n` after each). */
  jsonLines(): Buffer;
}

/** Implemented by every batch the pipeline hands out: a sink may encode JSON lines without events. */
export interface JsonLinesBatch extends EventBatch {
  jsonLines(): Buffer;
}

export function hasJsonLines(batch: EventBatch): batch is JsonLinesBatch {
  return typeof (batch as Partial<JsonLinesBatch>).jsonLines === 'function';
}

const NL = Buffer.from('\n');

function encodeEvents(events: readonly LogEvent[]): Buffer {
  let s = '';
  for (const e of events) s += `${JSON.stringify(e)}\n`;
  return Buffer.from(s);
}

export class BlockData implements BatchData, BlockLines {
  readonly count: number;
  readonly bytes: number;
  #events?: LogEvent[];
  #ids?: string[];

  constructor(
    readonly block: LineBlock,
    readonly file: string,
    readonly idPrefix: string,
    readonly now: string,
  ) {
    this.count = block.count;
    const first = block.starts[0] ?? 0;
    this.bytes = this.count === 0 ? 0 : (block.nexts[this.count - 1] as number) - block.base - first;
  }

  #line(i: number): string {
    return this.block.chunk.toString('utf8', this.block.starts[i], this.block.ends[i]);
  }

  events(): readonly LogEvent[] {
    if (this.#events) return this.#events;
    const out: LogEvent[] = new Array(this.count);
    const { truncated } = this.block;
    let t = 0;
    for (let i = 0; i < this.count; i++) {
      const e: LogEvent = { message: this.#line(i), timestamp: this.now, file: this.file };
      if (truncated[t] === i) {
        e.truncated = true;
        t++;
      }
      out[i] = e;
    }
    this.#events = out;
    return out;
  }

  ids(): readonly string[] {
    if (this.#ids) return this.#ids;
    const out: string[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = `${this.idPrefix}:${this.block.base + (this.block.starts[i] as number)}`;
    this.#ids = out;
    return out;
  }

  raw(): Buffer {
    const { block } = this;
    if (this.count === 0) return Buffer.alloc(0);
    if (block.contiguous) {
      return block.chunk.subarray(block.starts[0], (block.nexts[this.count - 1] as number) - block.base);
    }
    const parts: Buffer[] = [];
    for (let i = 0; i < this.count; i++) parts.push(block.chunk.subarray(block.starts[i], block.ends[i]), NL);
    return Buffer.concat(parts);
  }

  rawOf(i: number): Buffer {
    return Buffer.concat([this.block.chunk.subarray(this.block.starts[i], this.block.ends[i]), NL]);
  }

  jsonLines(): Buffer {
    return this.count === 0 ? Buffer.alloc(0) : jsonLines([{ lines: this, from: 0, to: this.count }]);
  }
}

export class RecordData implements BatchData {
  readonly count: number;
  readonly bytes: number;
  #events?: LogEvent[];
  #ids?: string[];

  constructor(
    readonly records: readonly SourceRecord[],
    readonly idPrefix: string,
  ) {
    this.count = records.length;
    let b = 0;
    for (const r of records) b += r.end - r.start;
    this.bytes = b;
  }

  events(): readonly LogEvent[] {
    this.#events ??= this.records.map((r) => r.event);
    return this.#events;
  }

  ids(): readonly string[] {
    this.#ids ??= this.records.map((r) => `${this.idPrefix}:${r.start}`);
    return this.#ids;
  }

  rawOf(i: number): Buffer {
    const r = this.records[i];
    if (!r) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const l of r.lines) parts.push(l, NL);
    return Buffer.concat(parts);
  }

  raw(): Buffer {
    const parts: Buffer[] = [];
    for (const r of this.records) for (const l of r.lines) parts.push(l, NL);
    return Buffer.concat(parts);
  }

  jsonLines(): Buffer {
    return encodeEvents(this.events());
  }
}

/** Events a chain of transforms produced from `source`; `origin[i]` is the source index of event i. */
export class DerivedData implements BatchData {
  readonly count: number;
  readonly bytes: number;
  #ids?: string[];

  constructor(
    readonly source: BatchData,
    readonly derived: readonly LogEvent[],
    readonly origin: readonly number[],
  ) {
    this.count = derived.length;
    this.bytes = source.count === 0 ? 0 : Math.round((source.bytes * derived.length) / source.count);
  }

  events(): readonly LogEvent[] {
    return this.derived;
  }

  ids(): readonly string[] {
    if (!this.#ids) {
      const all = this.source.ids();
      this.#ids = this.origin.map((i) => all[i] as string);
    }
    return this.#ids;
  }

  rawOf(i: number): Buffer {
    return this.source.rawOf(this.origin[i] as number);
  }

  raw(): Buffer {
    return Buffer.concat(this.origin.map((i) => this.source.rawOf(i)));
  }

  jsonLines(): Buffer {
    return encodeEvents(this.derived);
  }
}

/** One sink's view of a batch: its own `ack`. */
export class SinkBatch implements JsonLinesBatch {
  #acked = false;

  constructor(
    readonly data: BatchData,
    readonly onAck: () => void,
  ) {}

  get count(): number {
    return this.data.count;
  }
  get bytes(): number {
    return this.data.bytes;
  }
  get acked(): boolean {
    return this.#acked;
  }
  events(): readonly LogEvent[] {
    return this.data.events();
  }
  ids(): readonly string[] {
    return this.data.ids();
  }
  raw(): Buffer {
    return this.data.raw();
  }
  jsonLines(): Buffer {
    return this.data.jsonLines();
  }
  /** The block the events are made of, when they are straight from the file (no parser, no transform). */
  lines(): BlockLines | undefined {
    return this.data instanceof BlockData ? this.data : undefined;
  }
  ack(): void {
    if (this.#acked) return;
    this.#acked = true;
    this.onAck();
  }
}
