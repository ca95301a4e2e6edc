export { createForwarder, definition, type ForwarderConfig, rules, schema } from './definition.js';
export { errorCodes } from './errors.js';
export { Pipeline, type PipelineContext, type PipelineOptions } from './pipeline/pipeline.js';
export { sinkFactories } from './sink/index.js';
export type { EventBatch, LogEvent, Sink, SinkContext, SinkFactory, SinkHealth } from './sink/sink.js';
