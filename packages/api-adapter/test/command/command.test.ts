import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { lineDiff } from '../../src/command/diff.js';
import { runCli } from '../fixtures/cli.js';

const example = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/customers');

const run = runCli;

t.test('api-adapter test: the shipped examples pass', async (t) => {
  const r = await run(['test', '-c', join(example, 'api-adapter.yaml')]);
  t.equal(r.code, 0, r.out + r.err);
  t.match(r.out, /8 of 8 examples match/);
});

t.test('api-adapter test: a wrong expectation fails with a diff', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-golden-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(example, dir, { recursive: true });
  const file = join(dir, 'golden/customer-get.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('family_name: Lovelace', 'family_name: Byron'));
  const r = await run(['test', '-c', join(dir, 'api-adapter.yaml')]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL customer-get\.yaml\n {2}response\.body:\n/);
  t.match(r.out, /- {3}"family_name": "Byron",/);
  t.match(r.out, /\+ {3}"family_name": "Lovelace",/);
  t.match(r.out, /7 of 8 examples match/);
  const other = await run(['test', '-c', join(dir, 'api-adapter.yaml'), join(dir, 'nowhere')]);
  t.equal(other.code, 1);
  t.match(other.err, /cannot read the golden directory .*nowhere.*OUTRIGGER_E_ADAPTER_GOLDEN/);
  await writeFile(join(dir, 'golden/broken.yaml'), 'request: [');
  const broken = await run(['test', '-c', join(dir, 'api-adapter.yaml')]);
  t.equal(broken.code, 1);
  t.match(broken.err, /broken\.yaml/);
});

t.test('api-adapter changelog prints Markdown from the descriptions', async (t) => {
  const r = await run(['changelog', '-c', join(example, 'api-adapter.yaml')]);
  t.equal(r.code, 0);
  t.match(r.out, /^# API changelog\n\n## 2024-06-01 \(newest\)\n\nMoney in integer cents/);
  t.match(
    r.out,
    /- \*\*Invoice amounts are integer cents instead of decimal strings\*\* — `\* \/invoices\/\*`\n {2}- `\/data\/\*\/amount` changes from decimal_string to integer_cents/,
  );
  t.match(r.out, /- \*\*The legacy CSV export is gone\*\*.*\n {2}- removed: calls answer 410/);
  t.match(r.out, /## 2023-01-01 \(spoken by the upstream\)\n\nThe oldest version\./);
  t.ok(r.out.indexOf('## 2024-06-01') < r.out.indexOf('## 2023-09-01'), 'newest first');
  t.match(r.out, /- \*\*Customer name split into given_name and family_name\*\* — resource `customer`/);
  t.match(
    r.out,
    /## By resource\n[^#]*### customer\n\n- 2023-09-01: \*\*Customer name split into given_name and family_name\*\*\n {2}- `\/name` is split/,
  );
});

t.test('check reports chain problems with their config paths, all at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-check-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = (await readFile(join(example, 'api-adapter.yaml'), 'utf8'))
    .replace('from: decimal_string, to: integer_cents }', 'from: decimal_strin, to: integer_cents }')
    .replace('map: { "400": 404 }', 'map: { "400": 404, "404": 404 }')
    .replace('"GET /customers/:id/legacy-export"', '"GETT"');
  await writeFile(join(dir, 'c.yaml'), text);
  const r = await run(['check', '-c', join(dir, 'c.yaml')]);
  t.equal(r.code, 78);
  t.match(r.out, /versions\[0\]\.changes\[0\]\.body\[0\]\.from: must be one of number, string, decimal_string/);
  t.match(r.out, /versions\[0\]\.changes\[3\]\.response\[0\]\.map\.404: maps to 404 like another status/);
  t.match(r.out, /versions\[0\]\.changes\[4\]\.endpoints\[0\]: must be "METHOD \/path"/);
  const ok = await run(['check', '-c', join(example, 'api-adapter.yaml')]);
  t.equal(ok.code, 0);
});

t.test('a script file that cannot be loaded: check and the commands answer 78 with the path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-script-cfg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = (await readFile(join(example, 'api-adapter.yaml'), 'utf8')).replace(
    '          - { type: rename_query, from: page_size, to: limit }',
    '          - { type: rename_query, from: page_size, to: limit }\n        body:\n          - { type: script, file: ./missing.js }',
  );
  await writeFile(join(dir, 'c.yaml'), text);
  for (const cmd of ['check', 'test', 'changelog']) {
    const r = await run([cmd, '-c', join(dir, 'c.yaml')]);
    t.equal(r.code, 78, cmd);
    t.match(r.out + r.err, /versions\[0\]\.changes\[2\]\.body\[0\]\.file: cannot read .*missing\.js/, cmd);
  }
});

t.test('lineDiff', async (t) => {
  t.equal(lineDiff('a\nb\nc', 'a\nx\nc'), '--- expected\n+++ actual\n  a\n- b\n+ x\n  c');
  t.equal(lineDiff('same', 'same'), '--- expected\n+++ actual\n  same');
});
