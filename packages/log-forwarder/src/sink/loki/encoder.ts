/**
 * Groups events into Loki streams by their rendered label set and encodes the push body
 * (`{"streams":[{"stream":{...},"values":[["<ns>","<line>",{metadata}]]}]}`). Entries are
 * ordered by timestamp within each stream (stable: equal timestamps keep file order).
 */

import { blockEvent, firstTruncated, type LineSlice, perBlock, writerFor } from '../../block-lines.js';
import type { RequestEvents } from '../../delivery/request.js';
import { compileTemplate, type Template } from '../../delivery/template.js';
import type { LogEvent } from '../sink.js';
import type { LokiSinkConfig } from './config.js';
import { toUnixNanos } from './timestamp.js';

export const OVERFLOW_VALUE = '__overflow__';

type Entry = [string, string] | [string, string, Record<string, string>];

export class LokiEncoder {
  readonly #labels: Array<[string, Template]>;
  readonly #metadata: Array<[string, Template]>;
  /** Distinct values seen per templated label (bounded by max_label_values). */
  readonly #seen = new Map<string, Set<string>>();
  /** Labels and metadata are the same for every line of a block. */
  readonly #fromBlocks: boolean;

  constructor(
    private readonly config: Pick<LokiSinkConfig, 'labels' | 'structured_metadata' | 'max_label_values' | 'encoding'>,
    /** Called when a label value is replaced by the overflow value. */
    private readonly onOverflow: (label: string) => void = () => undefined,
  ) {
    this.#labels = Object.entries(config.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, compileTemplate(v)]);
    this.#metadata = Object.entries(config.structured_metadata).map(([k, v]) => [k, compileTemplate(v)]);
    this.#fromBlocks = perBlock([...this.#labels, ...this.#metadata].flatMap(([, t]) => t.fields));
  }

  #labelValue(name: string, template: Template, event: LogEvent): string {
    const value = template.render(event);
    if (template.constant) return value;
    let seen = this.#seen.get(name);
    if (!seen) {
      seen = new Set();
      this.#seen.set(name, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= this.config.max_label_values) {
      this.onOverflow(name);
      return OVERFLOW_VALUE;
    }
    seen.add(value);
    return value;
  }

  /**
   * The stream (label set) of an event and its key; `times`: how many events it stands for (the
   * label cardinality guard counts each, as when asked once per event).
   */
  #streamOf(event: LogEvent, times: number): { stream: Record<string, string>; key: string } {
    const stream: Record<string, string> = {};
    let key = '';
    for (const [name, template] of this.#labels) {
      const value = this.#labelValue(name, template, event);
      if (!template.constant) for (let k = 1; k < times; k++) this.#labelValue(name, template, event);
      if (value === '') continue; // Loki drops empty labels; so do we, consistently.
      stream[name] = value;
      key += `${name}\u0000${value}\u0001`;
    }
    return { stream, key };
  }

  #metadataOf(event: LogEvent): Record<string, string> | undefined {
    let metadata: Record<string, string> | undefined;
    for (const [name, template] of this.#metadata) {
      const value = template.render(event);
      if (value === '') continue;
      metadata ??= {};
      metadata[name] = value;
    }
    return metadata;
  }

  /** `into`: a buffer to encode into when it is large enough (lines straight from the file only). */
  encode(request: RequestEvents, into?: Buffer): string | Buffer {
    const slices = this.#fromBlocks ? request.slices?.() : undefined;
    if (slices) return this.#encodeLines(slices, into);
    const streams = new Map<string, { stream: Record<string, string>; values: Array<{ ts: string; entry: Entry }> }>();
    for (const event of request.events()) {
      const group = groupOf(streams, this.#streamOf(event, 1));
      const ts = toUnixNanos(event.timestamp);
      const line = this.config.encoding === 'raw' ? event.message : JSON.stringify(event);
      const metadata = this.#metadataOf(event);
      group.values.push({ ts, entry: metadata ? [ts, line, metadata] : [ts, line] });
    }
    const out = [];
    for (const { stream, values } of streams.values()) {
      values.sort((a, b) => compareNanos(a.ts, b.ts));
      out.push({ stream, values: values.map((v) => v.entry) });
    }
    return JSON.stringify({ streams: out });
  }

  /** The bytes `encode()` gives for the lines' events: one stream entry per slice, lines from the read buffers. */
  #encodeLines(slices: readonly LineSlice[], into: Buffer | undefined): Buffer {
    const streams = new Map<
      string,
      { stream: Record<string, string>; values: Array<{ ts: string; slice: LineSlice; metadata: string }> }
    >();
    for (const slice of slices) {
      const count = slice.to - slice.from;
      if (count === 0) continue;
      const event = blockEvent(slice.lines);
      const group = groupOf(streams, this.#streamOf(event, count));
      const metadata = this.#metadataOf(event);
      group.values.push({ ts: toUnixNanos(event.timestamp), slice, metadata: metadata ? `,${JSON.stringify(metadata)}` : '' });
    }
    const w = writerFor(slices, this.config.encoding === 'raw' ? 32 : 112, this.config.encoding !== 'raw', into);
    const twice = (text: string) => Buffer.from(JSON.stringify(text).slice(1, -1));
    const head = twice('{"message":"');
    w.bytes(STREAMS);
    let firstStream = true;
    for (const { stream, values } of streams.values()) {
      values.sort((a, b) => compareNanos(a.ts, b.ts));
      w.bytes(Buffer.from(`${firstStream ? '' : ','}{"stream":${JSON.stringify(stream)},"values":[`));
      firstStream = false;
      let first = true;
      for (const { ts, slice, metadata } of values) {
        const { lines, from, to } = slice;
        const { chunk, starts, ends, truncated } = lines.block;
        const open = Buffer.from(`["${ts}",`);
        const openNext = Buffer.from(`,["${ts}",`);
        const close = Buffer.from(`${metadata}]`);
        const tailText = `","timestamp":${JSON.stringify(lines.now)},"file":${JSON.stringify(lines.file)}`;
        const tail = twice(`${tailText}}`);
        const tailTruncated = twice(`${tailText},"truncated":true}`);
        let t = firstTruncated(truncated, from);
        for (let i = from; i < to; i++) {
          w.bytes(first ? open : openNext);
          first = false;
          if (this.config.encoding === 'raw') {
            w.jsonString(chunk, starts[i] as number, ends[i] as number);
          } else {
            w.byte(0x22);
            w.bytes(head);
            w.jsonStringTwice(chunk, starts[i] as number, ends[i] as number);
            if (truncated[t] === i) {
              w.bytes(tailTruncated);
              t++;
            } else w.bytes(tail);
            w.byte(0x22);
          }
          w.bytes(close);
        }
      }
      w.bytes(CLOSE_STREAM);
    }
    w.bytes(CLOSE_STREAMS);
    return w.result();
  }
}

const STREAMS = Buffer.from('{"streams":[');
const CLOSE_STREAM = Buffer.from(']}');
const CLOSE_STREAMS = Buffer.from(']}');

/** The group of `streams` for a stream, created (in first-seen order) when new. */
function groupOf<V>(
  streams: Map<string, { stream: Record<string, string>; values: V[] }>,
  { stream, key }: { stream: Record<string, string>; key: string },
): { stream: Record<string, string>; values: V[] } {
  let group = streams.get(key);
  if (!group) {
    group = { stream, values: [] };
    streams.set(key, group);
  }
  return group;
}

function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
