/** The source registry (one type for now: `file`) and its config schema. */
import { Type } from '@sinclair/typebox';
import { multilineSchema } from '../multiline/index.js';
import { parserSchema } from '../parse/index.js';

export const fileSourceSchema = Type.Object(
  {
    type: Type.Literal('file', { description: 'Tails files matched by globs.' }),
    include: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Globs of the files to tail, e.g. `/var/log/app/*.log` (relative to the config file if not absolute).',
    }),
    exclude: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Globs of files not to tail. Without a slash a glob matches the file name (`*.gz`).',
    }),
    start_at: Type.Union([Type.Literal('beginning'), Type.Literal('end')], {
      default: 'beginning',
      description:
        'Where to start in a file found at the first start (no checkpoint yet). Files that appear later are always read from the beginning.',
    }),
    max_line_bytes: Type.Integer({
      minimum: 16,
      default: 65536,
      description: 'Longer lines are cut to this many bytes and flagged `truncated: true`; the rest of the line is skipped.',
    }),
    parser: Type.Optional(parserSchema),
    partial_timeout_ms: Type.Integer({
      minimum: 10,
      default: 5000,
      description:
        'cri/docker: a split line whose final part has not come this long after its last part is delivered as it is, flagged `partial: true`.',
    }),
    multiline: Type.Optional(multilineSchema),
    fingerprint_bytes: Type.Integer({
      minimum: 16,
      maximum: 4096,
      default: 256,
      description: 'How many leading bytes identify a file besides its device and inode.',
    }),
    read_chunk_bytes: Type.Integer({
      minimum: 4096,
      default: 262144,
      description: 'Bytes read at once (at least max_line_bytes + 1 is read).',
    }),
    poll_interval_ms: Type.Integer({
      minimum: 10,
      default: 250,
      description: 'How often an idle file is checked for growth (besides watch events).',
    }),
    rescan_interval_ms: Type.Integer({
      minimum: 50,
      default: 2000,
      description: 'How often the globs are matched again (backs up the directory watch).',
    }),
    max_open_files: Type.Integer({
      minimum: 1,
      default: 1024,
      description:
        'Files open at once. At the cap, the rotated file rotated out longest ago is given up (its unread bytes counted and logged); with none, a new file waits for a free slot.',
    }),
    rotated_retention_ms: Type.Integer({
      minimum: 0,
      default: 21_600_000,
      description:
        'A file rotated out of the globs or deleted, still unread (a sink is down), is held open at most this long; then it is given up, counted and logged with the byte range. 0: no bound.',
    }),
    rotated_retention_bytes: Type.Integer({
      minimum: 0,
      default: 1_073_741_824,
      description:
        'The rotated or deleted files a source holds open, at most this many bytes on disk together; over it, the one rotated out longest ago is given up (counted, logged). 0: no bound.',
    }),
    rotate_wait_ms: Type.Integer({
      minimum: 0,
      default: 5000,
      description:
        'A rotated (renamed or deleted) file read to its end is kept open this long after it last grew, for writers that have not reopened yet.',
    }),
  },
  { additionalProperties: false },
);

export type FileSourceConfig = import('@sinclair/typebox').Static<typeof fileSourceSchema>;
