import { Type } from '@sinclair/typebox';
import { type Parser, unparsed } from './parser.js';

export const criParserSchema = Type.Object(
  {
    type: Type.Literal('cri', {
      description: 'Kubernetes container runtime (CRI) log lines: `<time> <stream> <P|F> <message>`; `P` parts are joined per stream.',
    }),
  },
  { additionalProperties: false },
);

/** `2016-10-06T00:17:09.669794202Z stdout F message` */
export function criParser(): Parser {
  return {
    type: 'cri',
    reassembles: true,
    parse(line, file, now) {
      const s1 = line.indexOf(' ');
      const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
      const s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
      const tag = s2 < 0 ? '' : line.slice(s2 + 1, s3 < 0 ? undefined : s3);
      const stream = s1 < 0 ? '' : line.slice(s1 + 1, s2);
      if (s2 < 0 || (tag !== 'P' && !tag.startsWith('F')) || stream === '') {
        return { event: unparsed(line, file, now, 'cri: not a "<time> <stream> <P|F> <message>" line') };
      }
      const timestamp = line.slice(0, s1);
      const message = s3 < 0 ? '' : line.slice(s3 + 1);
      const head = s3 < 0 ? line : line.slice(0, s3 + 1);
      return { event: { message, timestamp, file, stream }, stream, partial: tag === 'P', messageFrom: Buffer.byteLength(head) };
    },
  };
}
