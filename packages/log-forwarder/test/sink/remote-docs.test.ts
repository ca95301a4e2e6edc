/** docs/sinks.md documents every key of every remote sink, with the schema's default. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TlsSchema } from '@outrigger/runtime';
import type { TSchema } from '@sinclair/typebox';
import t from 'tap';
import { DeliverySchema } from '../../src/delivery/config.js';
import { remoteSinks } from '../../src/sink/remote.js';

const docsPath = fileURLToPath(new URL('../../../docs/sinks.md', import.meta.url));

function rows(section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([\w.]+)` \| (.*) \|$/.exec(line);
    if (m) out.set(m[1] as string, (m[2] as string).split(' | '));
  }
  return out;
}

function shownDefault(schema: TSchema): string {
  if (!('default' in schema)) return '';
  const d = schema.default;
  return `\`${typeof d === 'object' ? JSON.stringify(d) : String(d)}\``;
}

t.test('docs/sinks.md lists every key with its default', async (t) => {
  const doc = await readFile(docsPath, 'utf8');
  const sharedSection = doc.slice(doc.indexOf('## Options every remote sink takes'), doc.indexOf('## The sinks'));
  const shared = rows(sharedSection);
  const check = (table: Map<string, string[]>, key: string, schema: TSchema, where: string) => {
    const row = table.get(key);
    if (!row) return t.fail(`${where}: no row for \`${key}\``);
    if ('default' in schema) t.equal(row[1], shownDefault(schema), `${where}: default of ${key}`);
  };
  for (const [key, schema] of Object.entries(DeliverySchema.properties)) {
    if ((schema as TSchema).type === 'object') {
      for (const [sub, s] of Object.entries((schema as TSchema).properties as Record<string, TSchema>))
        check(shared, `${key}.${sub}`, s, 'shared');
    } else {
      check(shared, key, schema as TSchema, 'shared');
    }
  }
  for (const [key, s] of Object.entries(TlsSchema.properties)) check(shared, `tls.${key}`, s as TSchema, 'shared');
  for (const factory of remoteSinks) {
    const start = doc.indexOf(`\n### ${factory.type}\n`);
    t.ok(start >= 0, `a section for ${factory.type}`);
    const end = doc.indexOf('\n### ', start + 5);
    const table = rows(doc.slice(start, end < 0 ? undefined : end));
    for (const [key, schema] of Object.entries(factory.schema.properties)) {
      if (key in DeliverySchema.properties || key === 'tls') continue;
      check(table, key, schema as TSchema, factory.type);
    }
  }
});
