/** The pipeline's part of `/status`: per file and per sink, offsets, lag and the in-flight budget. */
import path from 'node:path';
import type { FileSource } from '../source/file-source.js';
import type { Tailer } from '../source/tailer.js';
import type { Checkpoints } from './checkpoints.js';
import type { InFlightBudget } from './in-flight-budget.js';
import type { SinkRunner } from './sink-runner.js';

/** Per sink: bytes of its files not yet acknowledged by it. */
export function sinkLag(sinks: Iterable<string>, tailers: Iterable<Tailer>): Map<string, number> {
  const lag = new Map<string, number>();
  for (const name of sinks) lag.set(name, 0);
  for (const t of tailers) {
    for (const l of t.lanes) {
      if (l.sink === '') continue;
      lag.set(l.sink, (lag.get(l.sink) ?? 0) + Math.max(0, t.size - l.cursor.committed));
    }
  }
  return lag;
}

export function pipelineStatus(parts: {
  sources: ReadonlyMap<string, FileSource>;
  sinks: ReadonlyMap<string, SinkRunner>;
  budget: InFlightBudget;
  checkpoints: Checkpoints;
}): unknown {
  const { budget, checkpoints } = parts;
  const sources: Record<string, unknown> = {};
  const tailers: Tailer[] = [];
  for (const [name, s] of parts.sources) {
    tailers.push(...s.tailers.values());
    sources[name] = {
      files: [...s.tailers.values()].map((t) => ({
        path: t.path,
        inode: t.identity.ino,
        offset: t.committed,
        read_offset: t.readOffset,
        size: t.size,
        lag_bytes: t.lag,
        rotated: t.rotated,
        sinks: Object.fromEntries(
          t.lanes
            .filter((l) => l.sink !== '')
            .map((l) => [
              l.sink,
              { offset: l.cursor.committed, read_offset: l.readOffset, lag_bytes: Math.max(0, t.size - l.cursor.committed) },
            ]),
        ),
      })),
    };
  }
  const sinks: Record<string, unknown> = {};
  const lag = sinkLag(parts.sinks.keys(), tailers);
  for (const [name, r] of parts.sinks) {
    const b = budget.sinks.get(name);
    sinks[name] = {
      queued_batches: r.queued,
      health: r.sink.health(),
      ...(r.sink.status() as object),
      lag_bytes: lag.get(name) ?? 0,
      pipeline_in_flight_bytes: b ? b.inFlight + b.reserved + b.held : 0,
      waiting_for_room: (b?.blocked.size ?? 0) > 0,
    };
  }
  return {
    in_flight_bytes: budget.inFlight,
    max_in_flight_bytes: budget.cap,
    sink_share_bytes: budget.share,
    checkpoint: { file: path.resolve(checkpoints.store.file), last_saved: checkpoints.lastSaved ?? null },
    sources,
    sinks,
  };
}
