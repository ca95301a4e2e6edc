/** The sink registry, keyed by the config's `type`. */
import { blackholeSink } from './blackhole.js';
import { fileSink } from './file.js';
import { remoteSinks } from './remote.js';
import type { SinkFactory } from './sink.js';
import { stdoutSink } from './stdout.js';

export const sinkFactories: readonly SinkFactory[] = [stdoutSink, fileSink, blackholeSink, ...remoteSinks];

/** The registry keyed by the config's `type`. */
export const sinkRegistry: ReadonlyMap<string, SinkFactory> = new Map(sinkFactories.map((f) => [f.type, f]));

export function sinkFactory(type: string, factories: readonly SinkFactory[] = sinkFactories): SinkFactory | undefined {
  return factories.find((f) => f.type === type);
}

export type { EventBatch, LogEvent, Sink, SinkContext, SinkFactory } from './sink.js';
