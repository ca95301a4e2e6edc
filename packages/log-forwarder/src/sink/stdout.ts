import { Type } from '@sinclair/typebox';
import { encodeBatch, type LocalEncoding } from './encode.js';
import type { Sink, SinkFactory } from './sink.js';

export const stdoutSink: SinkFactory<{ type: 'stdout'; inputs: string[]; encoding: LocalEncoding }> = {
  type: 'stdout',
  schema: Type.Object(
    {
      type: Type.Literal('stdout', { description: 'Writes events to standard output.' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: 'Names of the sources or transforms to take events from.' }),
      encoding: Type.Union([Type.Literal('json'), Type.Literal('raw')], {
        default: 'json',
        description: '`json`: one JSON object per line; `raw`: the lines exactly as read.',
      }),
    },
    { additionalProperties: false },
  ),
  create(name, config): Sink {
    let events = 0;
    let error: string | undefined;
    return {
      name,
      start: async () => {},
      write(batch) {
        const buf = encodeBatch(batch, config.encoding ?? 'json');
        return new Promise<void>((resolve) => {
          // Resolves once the bytes are handed to the OS: a slow reader of our stdout pauses us.
          process.stdout.write(buf, (err) => {
            if (err) error = err.message;
            else {
              events += batch.count;
              batch.ack();
            }
            resolve();
          });
        });
      },
      health: () => (error ? { healthy: false, reason: error } : { healthy: true }),
      stop: async () => {},
      status: () => ({ type: 'stdout', events, ...(error ? { error } : {}) }),
    };
  },
};
