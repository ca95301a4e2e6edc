// The bundles' entry (scripts/bundle.mjs): the sidecar's Node flags in its hashbang, and the module
// compile cache it turns on: in Node's default directory, off when asked or when it cannot be written.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const run = promisify(execFile);
const entry = join(repoRoot, 'packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const { NODE_COMPILE_CACHE: _, NODE_DISABLE_COMPILE_CACHE: __, ...clean } = process.env;

const dir = await mkdtemp(join(tmpdir(), 'outrigger-bundle-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('the hashbang carries the flags of outrigger.nodeFlags', async (t) => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'packages/log-forwarder/package.json'), 'utf8'));
  const [hashbang] = (await readFile(entry, 'utf8')).split('\n');
  t.equal(hashbang, `#!/usr/bin/env -S node ${pkg.outrigger.nodeFlags.join(' ')}`);
});

// With no NODE_COMPILE_CACHE the entry turns the cache on in Node's default, os.tmpdir()/node-compile-cache.
t.test('the entry writes the compile cache to the temp directory by default', async (t) => {
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const { stdout } = await run(process.execPath, [entry, '--version'], { env: { ...clean, TMPDIR: tmp } });
  t.match(stdout, /^log-forwarder \d/);
  const files = await readdir(join(tmp, 'node-compile-cache'), { recursive: true });
  t.ok(files.length > 0, `cache written: ${files.length} entries`);
});

t.test('NODE_DISABLE_COMPILE_CACHE=1 keeps it off', async (t) => {
  const tmp = join(dir, 'tmp-disabled');
  await mkdir(tmp);
  await run(process.execPath, [entry, '--version'], { env: { ...clean, TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' } });
  t.same(await readdir(tmp), []);
});

t.test('an unwritable cache directory leaves the cache off, silently', async (t) => {
  const notADir = join(dir, 'file');
  await writeFile(notADir, '');
  const { stdout, stderr } = await run(process.execPath, [entry, '--version'], { env: { ...clean, TMPDIR: notADir } });
  t.match(stdout, /^log-forwarder \d/);
  t.equal(stderr, '');
});
