/** The forwarder's config schema (TypeBox): the published JSON Schema and the `ForwarderConfig` type. */
import { type Static, Type } from '@sinclair/typebox';
import { sinkFactories } from './sink/index.js';
import type { SinkFactory } from './sink/sink.js';
import { fileSourceSchema } from './source/index.js';
import { transformFactories } from './transform/index.js';

export function forwarderSchema(sinks: readonly SinkFactory[] = sinkFactories) {
  return Type.Object(
    {
      state_dir: Type.String({
        minLength: 1,
        default: '/var/lib/outrigger/log-forwarder',
        description: 'Directory for the checkpoint (give it a volume that outlives the container, e.g. an emptyDir).',
      }),
      max_in_flight_bytes: Type.Integer({
        minimum: 65536,
        // 8 MiB: what a remote sink holds in flight by default (its own max_in_flight_bytes); more
        // only waited in its queue, and made a larger peak RSS and more repeats after a crash.
        default: 8388608,
        description:
          "Bytes read and not yet acknowledged (and checkpointed), at most, each line counting 16 bytes more for its offsets. Each sink gets an equal share; when a sink's share is reached, reading pauses for that sink only (the others keep reading; its backlog waits in the files).",
      }),
      checkpoint_interval_ms: Type.Integer({
        minimum: 10,
        default: 1000,
        description: 'How often acknowledged offsets are written to the checkpoint (and always at shutdown).',
      }),
      sources: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), fileSourceSchema, {
        minProperties: 1,
        description: 'Where events come from, by name.',
      }),
      transforms: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), Type.Union(transformFactories.map((f) => f.schema)), {
        default: {},
        description: 'Changes to events on their way, by name; each takes `inputs`.',
      }),
      sinks: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), Type.Union(sinks.map((f) => f.schema)), {
        minProperties: 1,
        description: 'Where events go, by name; each takes `inputs`.',
      }),
    },
    { additionalProperties: false },
  );
}

export const schema = forwarderSchema();
export type ForwarderConfig = Static<typeof schema>;
