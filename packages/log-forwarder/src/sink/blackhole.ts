import { Type } from '@sinclair/typebox';
import type { Sink, SinkFactory } from './sink.js';

export const blackholeSink: SinkFactory<{ type: 'blackhole'; inputs: string[] }> = {
  type: 'blackhole',
  schema: Type.Object(
    {
      type: Type.Literal('blackhole', { description: 'Acknowledges and discards every event (benchmarks, dry runs).' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: 'Names of the sources or transforms to take events from.' }),
    },
    { additionalProperties: false },
  ),
  create(name): Sink {
    let events = 0;
    let batches = 0;
    return {
      name,
      start: async () => {},
      async write(batch) {
        events += batch.count;
        batches++;
        batch.ack();
      },
      health: () => ({ healthy: true }),
      stop: async () => {},
      status: () => ({ type: 'blackhole', events, batches }),
    };
  },
};
