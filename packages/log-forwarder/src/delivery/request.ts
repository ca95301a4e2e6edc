/**
 * The events of one request. A request is made of parts: whole `EventBatch`es, or slices of one
 * when a batch is larger than a request may be. Everything is materialised lazily, so a sink
 * that sends `raw()` lines never builds event objects.
 */
import { type BlockLines, jsonLines, type LineSlice } from '../block-lines.js';
import type { EventBatch, LogEvent } from '../sink/sink.js';

export interface Part {
  readonly batch: EventBatch;
  /** First event index (inclusive) and last (exclusive) within the batch. */
  readonly from: number;
  readonly to: number;
  /** Bytes as read, estimated pro rata for a slice. */
  readonly bytes: number;
}

export interface RequestEvents {
  readonly count: number;
  /** Bytes as read. */
  readonly bytes: number;
  events(): readonly LogEvent[];
  ids(): readonly string[];
  /** The lines as read. Only for requests made of whole batches (raw sinks never split them). */
  raw(): Buffer;
  /**
   * The events as JSON lines, when the batches can encode them without building event objects
   * (the pipeline's fast path); undefined otherwise.
   */
  jsonLines?(into?: Buffer): Buffer | undefined;
  /** `raw()` as one buffer per batch, when the request is made of whole batches. */
  rawParts?(): Buffer[];
  /**
   * The lines straight from the read buffers, when every part is a block of unparsed,
   * untransformed lines (encoders then write from the bytes); undefined otherwise.
   */
  slices?(): LineSlice[] | undefined;
}

/** A batch that can encode its events as JSON lines itself (the pipeline's batches can). */
interface JsonLinesCapable {
  jsonLines(): Buffer;
}

function jsonLinesOf(batch: EventBatch): (() => Buffer) | undefined {
  const fn = (batch as Partial<JsonLinesCapable>).jsonLines;
  return typeof fn === 'function' ? fn.bind(batch) : undefined;
}

/** A batch whose events are a block's lines as read (the pipeline's unparsed batches). */
interface LinesCapable {
  lines(): BlockLines | undefined;
}

function linesOf(batch: EventBatch): BlockLines | undefined {
  const fn = (batch as Partial<LinesCapable>).lines;
  return typeof fn === 'function' ? fn.call(batch) : undefined;
}

export function wholePart(batch: EventBatch): Part {
  return { batch, from: 0, to: batch.count, bytes: batch.bytes };
}

/** Splits a batch into parts of at most `maxEvents` events and (approximately) `maxBytes` bytes. */
export function splitBatch(batch: EventBatch, maxEvents: number, maxBytes: number): Part[] {
  const { count, bytes } = batch;
  if (count <= maxEvents && bytes <= maxBytes) return [wholePart(batch)];
  const perByte = bytes > maxBytes ? Math.max(1, Math.floor((count * maxBytes) / bytes)) : count;
  const size = Math.max(1, Math.min(maxEvents, perByte));
  const parts: Part[] = [];
  for (let from = 0; from < count; from += size) {
    const to = Math.min(count, from + size);
    parts.push({ batch, from, to, bytes: Math.round((bytes * (to - from)) / count) });
  }
  return parts;
}

export class PartsRequest implements RequestEvents {
  readonly count: number;
  readonly bytes: number;
  #events: readonly LogEvent[] | undefined;
  #ids: readonly string[] | undefined;

  constructor(readonly parts: readonly Part[]) {
    let count = 0;
    let bytes = 0;
    for (const p of parts) {
      count += p.to - p.from;
      bytes += p.bytes;
    }
    this.count = count;
    this.bytes = bytes;
  }

  #isWhole(p: Part): boolean {
    return p.from === 0 && p.to === p.batch.count;
  }

  events(): readonly LogEvent[] {
    if (this.#events) return this.#events;
    const only = this.parts.length === 1 ? this.parts[0] : undefined;
    if (only && this.#isWhole(only)) {
      this.#events = only.batch.events();
    } else {
      const out: LogEvent[] = [];
      for (const p of this.parts) {
        const all = p.batch.events();
        for (let i = p.from; i < p.to; i++) out.push(all[i] as LogEvent);
      }
      this.#events = out;
    }
    return this.#events;
  }

  ids(): readonly string[] {
    if (this.#ids) return this.#ids;
    const out: string[] = [];
    for (const p of this.parts) {
      const all = p.batch.ids();
      for (let i = p.from; i < p.to; i++) out.push(all[i] as string);
    }
    this.#ids = out;
    return out;
  }

  raw(): Buffer {
    const parts = this.rawParts();
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** The lines as read, one buffer per batch (written with one writev, without copying). */
  rawParts(): Buffer[] {
    for (const p of this.parts) {
      if (!this.#isWhole(p)) throw new Error('raw() of a request holding a slice of a batch');
    }
    return this.parts.map((p) => p.batch.raw());
  }

  slices(): LineSlice[] | undefined {
    const out: LineSlice[] = [];
    for (const p of this.parts) {
      const lines = linesOf(p.batch);
      if (!lines) return undefined;
      out.push({ lines, from: p.from, to: p.to });
    }
    return out;
  }

  /** `into`: a buffer to encode into when it is large enough (lines straight from the file only). */
  jsonLines(into?: Buffer): Buffer | undefined {
    const slices = this.slices();
    if (slices) return jsonLines(slices, into);
    const encoders: Array<() => Buffer> = [];
    for (const p of this.parts) {
      const encode = this.#isWhole(p) ? jsonLinesOf(p.batch) : undefined;
      if (!encode) return undefined;
      encoders.push(encode);
    }
    return encoders.length === 1 ? (encoders[0] as () => Buffer)() : Buffer.concat(encoders.map((e) => e()));
  }
}

/** The events of a request that must be sent again (per-item retries). */
export class SubsetRequest implements RequestEvents {
  readonly count: number;
  readonly bytes: number;
  readonly #events: LogEvent[];
  readonly #ids: string[];

  constructor(parent: RequestEvents, indices: readonly number[]) {
    const events = parent.events();
    const ids = parent.ids();
    this.#events = indices.map((i) => events[i] as LogEvent);
    this.#ids = indices.map((i) => ids[i] as string);
    this.count = indices.length;
    this.bytes = parent.count === 0 ? 0 : Math.round((parent.bytes * indices.length) / parent.count);
  }

  events(): readonly LogEvent[] {
    return this.#events;
  }

  ids(): readonly string[] {
    return this.#ids;
  }

  raw(): Buffer {
    return Buffer.from(this.#events.map((e) => `${e.message}\n`).join(''));
  }
}
