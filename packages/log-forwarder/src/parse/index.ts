/** The parser registry, keyed by the config's `type`. */
import { Type } from '@sinclair/typebox';
import { criParser, criParserSchema } from './cri.js';
import { dockerParser, dockerParserSchema } from './docker.js';
import { jsonParser, jsonParserSchema } from './json.js';
import { logfmtParser, logfmtParserSchema } from './logfmt.js';
import type { Parser } from './parser.js';
import { rawParser, rawParserSchema } from './raw.js';
import { regexParser, regexParserSchema } from './regex.js';

export const parserSchema = Type.Union(
  [rawParserSchema, jsonParserSchema, logfmtParserSchema, regexParserSchema, criParserSchema, dockerParserSchema],
  { description: 'How each line becomes an event: raw | json | logfmt | regex | cri | docker.' },
);

// biome-ignore lint/suspicious/noExplicitAny: each factory checks its own config shape (the schema did already).
const factories: Record<string, (config: any) => Parser> = {
  raw: rawParser,
  json: jsonParser,
  logfmt: logfmtParser,
  regex: regexParser,
  cri: criParser,
  docker: dockerParser,
};

export function createParser(config: { type: string } & Record<string, unknown>): Parser {
  const make = factories[config.type];
  if (!make) throw new Error(`unknown parser type "${config.type}"`);
  return make(config);
}

export type { ParsedLine, Parser } from './parser.js';
