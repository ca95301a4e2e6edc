/**
 * Config file bytes → a plain object, or issues that say where the text is wrong:
 * `config.yaml:3:5: not valid YAML: ...`, once per mistake. A file that is not text at all
 * (an image, a gzip, random bytes) is said to be so rather than echoed.
 */
import { extname } from 'node:path';
import { type Document, LineCounter, parseDocument, visit } from 'yaml';
import type { ConfigIssue } from '../sidecar.js';

export interface Parsed {
  value: unknown;
  issues: ConfigIssue[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a config file: UTF-8 text without NUL bytes, or an issue saying it is binary. */
export function decodeConfigText(bytes: Uint8Array, file: string): { text?: string; issues: ConfigIssue[] } {
  const binary = [{ path: file, message: 'not a text config file (binary data)' }];
  if (bytes.includes(0)) return { issues: binary };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { issues: binary };
  }
  return { text: text.replace(/^\uFEFF/, ''), issues: [] };
}

/** Parses YAML (or JSON, by extension) text; the top level must be a mapping. */
export function parseConfigText(text: string, file: string): Parsed {
  const parsed = extname(file) === '.json' ? parseJson(text, file) : parseYaml(text.replace(/^\uFEFF/, ''), file);
  if (parsed.issues.length > 0) return parsed;
  const value = parsed.value ?? {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : typeof value === 'string' ? 'a string' : `a ${typeof value}`;
    return {
      value: undefined,
      issues: [{ path: file, message: `not a config: the top level must be a mapping of keys (key: value), got ${found}` }],
    };
  }
  return { value, issues: [] };
}

function parseJson(text: string, file: string): Parsed {
  try {
    return { value: JSON.parse(text), issues: [] };
  } catch (error) {
    // V8 says either `... in JSON at position 12 (line 2 column 5)` or `Unexpected token '}',
    // "<the text around it>" is not valid JSON`; the text is not echoed (it may hold a secret).
    const message = (error as Error).message;
    const where = /\(line (\d+) column (\d+)\)/.exec(message);
    const at = /at position (\d+)/.exec(message);
    const pos = where ? { line: Number(where[1]), col: Number(where[2]) } : at ? position(text, Number(at[1])) : undefined;
    const detail = message
      .replace(/,? ?(?:in JSON )?at position \d+(?: \(line \d+ column \d+\))?/, '')
      .replace(/, .* is not valid JSON$/s, '')
      .trim();
    return { value: undefined, issues: [{ path: pos ? `${file}:${pos.line}:${pos.col}` : file, message: `not valid JSON: ${detail}` }] };
  }
}

function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** YAML forbids these in a stream (c-printable); the yaml library takes them silently. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const forbidden = /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F]/;

function parseYaml(text: string, file: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  // One mistake often yields several errors on one line (`- b` after a mapping gives three):
  // report the first of each line.
  const byLine = new Map<number, { col: number; message: string }>();
  const report = (line: number, col: number, message: string) => {
    if (!byLine.has(line)) byLine.set(line, { col, message });
  };
  for (const e of doc.errors) {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    report(line, col, e.code === 'MULTIPLE_DOCS' ? 'more than one document (---); a config file holds one' : e.message);
  }
  const control = forbidden.exec(text);
  if (control) {
    const { line, col } = lineCounter.linePos(control.index);
    report(line, col, `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed`);
  }
  for (const alias of unresolvedAliases(doc)) {
    const { line, col } = lineCounter.linePos(alias.offset);
    report(line, col, `alias *${alias.source} refers to no anchor (&${alias.source}) before it`);
  }
  if (byLine.size > 0) {
    const issues = [...byLine]
      .sort(([a], [b]) => a - b)
      .map(([line, { col, message }]) => ({ path: `${file}:${line}:${col}`, message: `not valid YAML: ${message}` }));
    return { value: undefined, issues };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), issues: [] };
  } catch (error) {
    // The alias-count guard against "billion laughs" documents.
    return { value: undefined, issues: [{ path: file, message: `not valid YAML: ${(error as Error).message}` }] };
  }
}

function unresolvedAliases(doc: Document): { source: string; offset: number }[] {
  const found: { source: string; offset: number }[] = [];
  if (!doc.contents) return found;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined) found.push({ source: node.source, offset: node.range?.[0] ?? 0 });
    },
  });
  return found;
}
