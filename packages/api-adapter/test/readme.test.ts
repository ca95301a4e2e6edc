/**
 * The README matches the code: its config examples pass `api-adapter check`, and its config
 * reference names every key of the schema (and no other) with the schema's defaults.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeKeys } from '@outrigger/runtime';
import t from 'tap';
import { BIN } from './fixtures/app-process.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  default?: unknown;
}

const schema = JSON.parse(spawnSync(process.execPath, [BIN, 'schema'], { encoding: 'utf8' }).stdout) as SchemaNode;
/** Keys the runtime adds (documented in one sentence of their own) and the change list (its own tables). */
const notInTable = new Set<string>(runtimeKeys);

/** Dotted paths of the schema's leaves below the top level; `versions` counts as one. */
function leaves(node: SchemaNode, prefix: string, out: Map<string, SchemaNode>): Map<string, SchemaNode> {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (prefix === '' && notInTable.has(name)) continue;
    if (child.properties && name !== 'versions') leaves(child, path, out);
    else out.set(path, child);
  }
  return out;
}

/** `| key | default | meaning |` rows of the "Config reference" table: path → default cell. */
function documented(): Map<string, { cell: string; shared: boolean }> {
  const start = readme.indexOf('## Config reference');
  const end = readme.indexOf('### A change', start);
  const out = new Map<string, { cell: string; shared: boolean }>();
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    const names = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => (m[1] as string).replace(/\[\]$/, ''));
    const first = names[0] as string;
    const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : '';
    for (const name of names) {
      out.set(name.includes('.') ? name : `${parent}${name}`, { cell: cells[2] ?? '', shared: names.length > 1 });
    }
  }
  return out;
}

t.test('the config reference names exactly the keys of the schema', async (t) => {
  const inSchema = [...leaves(schema, '', new Map()).keys()].sort();
  const inReadme = [...documented().keys()].sort();
  t.same(inReadme, inSchema);
});

t.test('the config reference shows the schema defaults', async (t) => {
  const docs = documented();
  for (const [path, node] of leaves(schema, '', new Map())) {
    const row = docs.get(path);
    if (row === undefined || row.shared || node.default === undefined) continue;
    const d = node.default;
    const shown = typeof d === 'object' ? JSON.stringify(d) : d === '' ? '""' : String(d);
    t.ok(row.cell.includes(`\`${shown}\``), `${path}: default ${shown} (README: ${row.cell})`);
  }
});

t.test('the config examples in the README pass `api-adapter check`', async (t) => {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((b) => /^versions:/m.test(b));
  t.ok(blocks.length >= 1, 'the README has a config example');
  const dir = await mkdtemp(join(tmpdir(), 'api-adapter-readme-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [i, block] of blocks.entries()) {
    const file = join(dir, `example-${i}.yaml`);
    await writeFile(file, block);
    const r = spawnSync(process.execPath, [BIN, 'check', '-c', file], { encoding: 'utf8' });
    t.equal(r.status, 0, `example ${i}: ${r.stdout}${r.stderr}`);
  }
});

t.test('operations are written with a `type` key; the one-key form of the first sketch is refused', async (t) => {
  t.match(readme, /- \{ type: split, from: /);
  const dir = await mkdtemp(join(tmpdir(), 'api-adapter-readme-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'one-key.yaml');
  await writeFile(
    file,
    [
      'upstream: { url: "http://127.0.0.1:8081", version: "1" }',
      'versions:',
      '  - version: "2"',
      '    changes:',
      '      - description: name split',
      '        body:',
      '          - split: { from: /name, into: [/given_name, /family_name], separator: " " }',
      '  - version: "1"',
      '',
    ].join('\n'),
  );
  const r = spawnSync(process.execPath, [BIN, 'check', '-c', file], { encoding: 'utf8' });
  t.equal(r.status, 78);
  t.match(r.stdout + r.stderr, /versions\[0\]\.changes\[0\]\.body\[0\]\.type/);
});
