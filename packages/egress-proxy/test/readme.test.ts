/**
 * The README matches the code: its config example passes `egress-proxy check`, and its config
 * reference documents every key of the schema (and no other) with the schema's defaults. Keys of
 * small blocks (`dns`, `tls`, `health_check`, ...) are documented inside their block's row, as
 * `name: default`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeKeys } from '@outrigger/runtime';
import t from 'tap';
import { bin } from './fixtures/proxy.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  default?: unknown;
}

const schema = JSON.parse(spawnSync(process.execPath, [bin, 'schema'], { encoding: 'utf8' }).stdout) as SchemaNode;

/** Every key of the sidecar's own schema (not the runtime's keys), by dotted path. */
function keys(): Map<string, SchemaNode> {
  const out = new Map<string, SchemaNode>();
  const walk = (node: SchemaNode, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      if (prefix === '' && (runtimeKeys as readonly string[]).includes(name)) continue;
      const path = `${prefix}${name}`;
      out.set(path, child);
      if (child.items) walk(child.items, `${path}[].`);
      else if (child.patternProperties) walk(Object.values(child.patternProperties)[0] as SchemaNode, `${path}.<name>.`);
      else walk(child, `${path}.`);
    }
  };
  walk(schema, '');
  return out;
}

interface Row {
  /** The default cell, split at ` / ` when the row names several keys. */
  defaults: string[];
  text: string;
}

/** Rows of the three config tables (top level, `routes[]`, `clusters.<name>`), by full path. */
function rows(): Map<string, Row> {
  const start = readme.indexOf('## Config reference');
  const end = readme.indexOf('\n## ', start + 1);
  const out = new Map<string, Row>();
  let prefix = '';
  for (const line of readme.slice(start, end).split('\n')) {
    if (line.startsWith('`routes[]`:')) prefix = 'routes[].';
    if (line.startsWith('`clusters.<name>`:')) prefix = 'clusters.<name>.';
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
    const names = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    const first = names[0] as string;
    const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : '';
    for (const name of names) {
      const path = `${prefix}${name.includes('.') ? name : `${parent}${name}`}`.replace(/\[\]$/, '').replace(/\.<name>$/, '');
      out.set(path, { defaults: (cells[2] ?? '').split(' / '), text: `${cells[2]} ${cells[3]}` });
    }
  }
  return out;
}

const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

t.test('every documented key exists in the schema', async (t) => {
  const all = keys();
  for (const path of rows().keys()) t.ok(all.has(path), path);
});

t.test('every key of the schema is documented, with its default', async (t) => {
  const documented = rows();
  for (const [path, node] of keys()) {
    const row = documented.get(path);
    if (row !== undefined) {
      if (!scalar(node.default)) continue;
      const names = row.defaults.length;
      const cell = names > 1 ? row.defaults : [row.defaults.join(' / ')];
      t.ok(
        cell.some((c) => c.includes(`\`${String(node.default)}\``)),
        `${path}: default ${String(node.default)} (README: ${row.defaults.join(' / ')})`,
      );
      continue;
    }
    // Not a row of its own: documented in an enclosing block's row, or enclosing rows of its own.
    const name = path.slice(path.lastIndexOf('.') + 1);
    const parentPath = path.slice(0, path.lastIndexOf('.'));
    const parentRow = documented.get(parentPath);
    if (parentRow === undefined) {
      if (node.properties || node.items || node.patternProperties) continue; // a container (listener, retry, match)
      t.fail(`${path} is not documented`);
      continue;
    }
    // `name: value`, `name: "value"` or `name` (`value`)
    const inline = new RegExp(`\\b${name}\\b(?::\\s*(?:"([^"]*)"|([^,}\\s\`]+))|\`?\\s*\\(\`([^\`]+)\`\\))?`).exec(parentRow.text);
    t.ok(inline, `${path}: named in the row of ${parentPath}`);
    if (inline && scalar(node.default)) {
      t.equal(inline[1] ?? inline[2] ?? inline[3], String(node.default), `${path}: default as in the schema`);
    }
  }
});

t.test('the config example in the README passes `egress-proxy check`', async (t) => {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  t.ok(blocks.length >= 1, 'the README has a config example');
  const dir = await mkdtemp(join(tmpdir(), 'egress-proxy-readme-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [i, block] of blocks.entries()) {
    const file = join(dir, `example-${i}.yaml`);
    const check = async (text: string) => {
      await writeFile(file, text);
      return spawnSync(process.execPath, [bin, 'check', '-c', file], { encoding: 'utf8' });
    };
    // The files the example names (a mounted secret, CA bundles) are not on this machine: each
    // one `check` cannot read gets a stand-in under the temp dir, and the example points there.
    let text = block;
    let r = await check(text);
    for (const [, missing] of r.stdout.matchAll(/cannot read "([^"]+)": no such file/g)) {
      const standIn = join(dir, 'files', missing as string);
      await mkdir(dirname(standIn), { recursive: true });
      await writeFile(standIn, 'x\n');
      text = text.replaceAll(missing as string, standIn);
    }
    if (text !== block) r = await check(text);
    t.equal(r.status, 0, `example ${i}: ${r.stdout}${r.stderr}`);
  }
});
