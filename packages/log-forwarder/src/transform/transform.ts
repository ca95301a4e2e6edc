import type { LogEvent } from '../sink/sink.js';

/**
 * A transform maps one event to one event, or to null (dropped). It must not change the event it
 * is given (other branches of the pipeline may share it): it returns a copy when it changes it.
 */
export type TransformFn = (event: LogEvent) => LogEvent | null;

// biome-ignore lint/suspicious/noExplicitAny: a registry holds factories of different config types (like SinkFactory).
export interface TransformFactory<C = any> {
  readonly type: string;
  readonly schema: import('@sinclair/typebox').TObject;
  create(config: C): TransformFn;
}

/** The keys every transform block has besides its own. */
export const inputsDescription = 'Names of the sources or transforms whose events this one takes.';
