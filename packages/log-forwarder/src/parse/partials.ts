/**
 * Reassembles lines a container runtime split (cri `P` parts, docker json-file lines without a
 * trailing `\n`): parts are joined per stream until the final part arrives, so stdout and stderr
 * parts may interleave. A message that grows past `maxBytes` keeps its head and is flagged
 * `truncated`.
 */
import type { SourceRecord } from '../multiline/record.js';

export class Partials {
  readonly #open = new Map<string, SourceRecord>();

  constructor(readonly maxBytes: number) {}

  pendingFrom(): number | undefined {
    let min: number | undefined;
    for (const r of this.#open.values()) if (min === undefined || r.start < min) min = r.start;
    return min;
  }

  push(rec: SourceRecord, stream: string, partial: boolean, out: SourceRecord[]): void {
    const open = this.#open.get(stream);
    if (!open) {
      if (partial) this.#open.set(stream, { ...rec, lines: [...rec.lines] });
      else out.push(rec);
      return;
    }
    if (open.event.truncated === true) {
      // already cut: the rest of this message is skipped
    } else if (open.event.message.length + rec.event.message.length <= this.maxBytes) {
      open.event.message += rec.event.message;
    } else {
      open.event.truncated = true;
    }
    open.end = rec.end;
    open.bytes += 1 + rec.bytes;
    for (const l of rec.lines) open.lines.push(l);
    if (!partial) {
      this.#open.delete(stream);
      out.push(open);
    }
  }

  /** Emits every open message as it is (shutdown, file rotated away). */
  flush(out: SourceRecord[]): void {
    const all = [...this.#open.values()].sort((a, b) => a.start - b.start);
    this.#open.clear();
    for (const r of all) out.push(r);
  }
}
