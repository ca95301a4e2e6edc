/** The log-forwarder as a sidecar: its schema, cross-field rules and `build`, for the runtime to run. */
import type { SidecarContext, SidecarDefinition, SidecarInstance } from '@outrigger/runtime';
import { type ForwarderConfig, schema } from './config.js';
import { Pipeline, type PipelineOptions } from './pipeline/pipeline.js';
import { rules } from './rules.js';

export { type ForwarderConfig, forwarderSchema, schema } from './config.js';
export { rules } from './rules.js';

export const VERSION = '0.1.0';

/** Builds the running forwarder (tests may pass extra sink factories). */
export function createForwarder(
  config: ForwarderConfig,
  ctx: SidecarContext,
  opts: PipelineOptions = {},
): SidecarInstance & { pipeline: Pipeline } {
  const pipeline = new Pipeline(config, ctx, opts);
  return {
    pipeline,
    start: () => pipeline.start(),
    readiness: () => pipeline.readiness(),
    drain: (deadline) => pipeline.drain(deadline),
    inFlight: () => pipeline.inFlight(),
    stop: () => pipeline.stop(),
    status: () => pipeline.status(),
  };
}

export const definition: SidecarDefinition<typeof schema> = {
  name: 'log-forwarder',
  version: VERSION,
  description: 'Tails log files on a shared volume and forwards them to sinks, without losing or repeating a line.',
  schema,
  defaultAdminPort: 9811,
  defaultProbePort: 9821,
  rules,
  build: (config, ctx) => createForwarder(config, ctx),
};
