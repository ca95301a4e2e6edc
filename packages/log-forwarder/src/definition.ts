/** The log-forwarder as a sidecar: its schema, cross-field rules and `build`, for the runtime to run. */
import type { SidecarContext, SidecarDefinition, SidecarInstance } from '@outrigger/runtime';
import { type ForwarderConfig, schema } from './config.js';
import { SinkMetrics } from './delivery/metrics.js';
import { Pipeline, type PipelineOptions } from './pipeline/pipeline.js';
import { rules } from './rules.js';

export { type ForwarderConfig, forwarderSchema, schema } from './config.js';
export { rules } from './rules.js';

export const VERSION = '0.1.0';

/** How long a reload waits for the running pipeline to deliver what it holds before it hands over. */
const RELOAD_DRAIN_MS = 5000;

/**
 * Builds the running forwarder (tests may pass extra sink factories).
 *
 * A reload hands over through the checkpoint, as a restart would but in the same process: the
 * running pipeline drains (bounded by RELOAD_DRAIN_MS; what it could not deliver stays in the files)
 * and checkpoints, the new one starts from that checkpoint. If the new one cannot start, the old
 * config is started again the same way and the reload is refused.
 */
export function createForwarder(
  config: ForwarderConfig,
  ctx: SidecarContext,
  opts: PipelineOptions = {},
): SidecarInstance & { readonly pipeline: Pipeline } {
  let pipeline = new Pipeline(config, ctx, opts);
  let running = config;
  let reloading: Promise<void> | undefined;

  /** Drains and stops the running pipeline, then starts one on `next` from the checkpoint it left. */
  const handOver = async (next: ForwarderConfig): Promise<void> => {
    await pipeline.drain(AbortSignal.timeout(RELOAD_DRAIN_MS));
    await pipeline.stop();
    const fresh = new Pipeline(next, ctx, opts);
    pipeline = fresh;
    await fresh.start();
  };

  const reload = async (next: ForwarderConfig): Promise<void> => {
    const before = running;
    const old = pipeline;
    try {
      await handOver(next);
      running = next;
    } catch (err) {
      ctx.logger.error({ err, code: 'OUTRIGGER_E_RELOAD' }, 'the new config did not start; starting the running config again');
      if (pipeline !== old) await pipeline.stop().catch(() => undefined);
      pipeline = new Pipeline(before, ctx, opts);
      await pipeline.start();
      throw err;
    }
    for (const name of Object.keys(before.sinks)) if (!(name in next.sinks)) SinkMetrics.forget(ctx, name);
    ctx.logger.info({ sources: Object.keys(next.sources), sinks: Object.keys(next.sinks) }, 'pipeline reloaded from its checkpoint');
  };

  return {
    get pipeline() {
      return pipeline;
    },
    start: () => pipeline.start(),
    // A reload is a moment of handing over, not a reason to take the pod out of its Service.
    readiness: () => (reloading ? { ready: true } : pipeline.readiness()),
    drain: async (deadline) => {
      // A reload in progress finishes first (the new pipeline is the one to drain), within the deadline.
      if (reloading) {
        const aborted = new Promise<void>((resolve) => {
          if (deadline.aborted) resolve();
          else deadline.addEventListener('abort', () => resolve(), { once: true });
        });
        await Promise.race([reloading.catch(() => undefined), aborted]);
      }
      await pipeline.drain(deadline);
    },
    inFlight: () => pipeline.inFlight(),
    stop: () => pipeline.stop(),
    status: () => pipeline.status(),
    reload: (next) => {
      const done = (reloading ?? Promise.resolve()).catch(() => undefined).then(() => reload(next as ForwarderConfig));
      reloading = done;
      return done.finally(() => {
        if (reloading === done) reloading = undefined;
      });
    },
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
