import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { LocalEncoder, type LocalEncoding } from './encode.js';
import type { Sink, SinkFactory } from './sink.js';

interface FileSinkConfig {
  type: 'file';
  inputs: string[];
  path: string;
  encoding: LocalEncoding;
  fsync: boolean;
}

export const fileSink: SinkFactory<FileSinkConfig> = {
  type: 'file',
  schema: Type.Object(
    {
      type: Type.Literal('file', { description: 'Appends events to a local file.' }),
      inputs: Type.Array(Type.String(), { minItems: 1, description: 'Names of the sources or transforms to take events from.' }),
      path: Type.String({
        minLength: 1,
        description: 'File to append to (relative paths are relative to the config file); created if missing.',
      }),
      encoding: Type.Union([Type.Literal('json'), Type.Literal('raw')], {
        default: 'json',
        description: '`json`: one JSON object per line; `raw`: the lines exactly as read.',
      }),
      fsync: Type.Boolean({
        default: false,
        description: 'fsync after each batch before acknowledging it (survives a machine crash, not only a process crash; slower).',
      }),
    },
    { additionalProperties: false },
  ),
  create(name, config, ctx): Sink {
    const file = ctx.resolvePath(config.path);
    let fh: fsp.FileHandle | undefined;
    let events = 0;
    let bytes = 0;
    let error: string | undefined;
    const encoder = new LocalEncoder(config.encoding ?? 'json');
    async function open(): Promise<fsp.FileHandle> {
      if (fh) return fh;
      await fsp.mkdir(path.dirname(file), { recursive: true });
      fh = await fsp.open(file, 'a', 0o644);
      return fh;
    }
    return {
      name,
      async start() {
        try {
          await open();
          error = undefined;
        } catch (err) {
          error = (err as Error).message;
        }
      },
      async write(batch) {
        const buf = encoder.encode(batch);
        // Errors propagate: the pipeline counts the failure and writes the batch again.
        try {
          const h = await open();
          await h.write(buf);
          if (config.fsync) await h.datasync();
          error = undefined;
        } catch (err) {
          error = (err as Error).message;
          throw err;
        }
        events += batch.count;
        bytes += buf.length;
        encoder.done(buf);
        batch.ack();
      },
      health: () => (error ? { healthy: false, reason: `${file}: ${error}` } : { healthy: true }),
      async stop() {
        const h = fh;
        fh = undefined;
        await h?.close();
      },
      status: () => ({ type: 'file', path: file, events, bytes, ...(error ? { error } : {}) }),
    };
  },
};
