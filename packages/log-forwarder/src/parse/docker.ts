import { Type } from '@sinclair/typebox';
import { type Parser, unparsed } from './parser.js';

export const dockerParserSchema = Type.Object(
  {
    type: Type.Literal('docker', {
      description:
        'Docker json-file lines `{"log":"...\\n","stream":"stdout","time":"..."}`; lines Docker split (no trailing `\\n`) are joined per stream.',
    }),
  },
  { additionalProperties: false },
);

export function dockerParser(): Parser {
  return {
    type: 'docker',
    reassembles: true,
    parse(line, file, now) {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (err) {
        return { event: unparsed(line, file, now, `docker: ${(err as Error).message}`) };
      }
      const o = v as { log?: unknown; stream?: unknown; time?: unknown } | null;
      if (!o || typeof o !== 'object' || typeof o.log !== 'string') {
        return { event: unparsed(line, file, now, 'docker: no "log" string field') };
      }
      const stream = typeof o.stream === 'string' ? o.stream : 'stdout';
      const partial = !o.log.endsWith('\n');
      const message = partial ? o.log : o.log.slice(0, o.log.endsWith('\r\n') ? -2 : -1);
      const timestamp = typeof o.time === 'string' ? o.time : now;
      return { event: { message, timestamp, file, stream }, stream, partial };
    },
  };
}
