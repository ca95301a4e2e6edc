import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { waitFor } from '../src/testing.js';
import { WatchedFiles } from '../src/watched-files.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-watch-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A watcher whose changes are counted; the poll is off unless asked, so events alone must do. */
async function watched(t: Test, paths: string[], options: { debounceMs?: number; pollMs?: number } = {}) {
  const changes = { count: 0, watcher: undefined as unknown as WatchedFiles };
  const watcher = new WatchedFiles(paths, () => changes.count++, { debounceMs: 20, pollMs: 0, ...options });
  changes.watcher = watcher;
  t.teardown(() => watcher.close());
  await watcher.ready();
  return changes;
}

/** The kubelet's atomic update of a ConfigMap/Secret volume (pkg/volume/util/atomic_writer.go). */
async function kubeletWrite(dir: string, version: string, files: Record<string, string>, previous?: string): Promise<void> {
  const data = join(dir, `..${version}`);
  await mkdir(data);
  for (const [name, content] of Object.entries(files)) await writeFile(join(data, name), content);
  await symlink(`..${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) await symlink(`..data/${name}`, join(dir, name)).catch(() => undefined);
  if (previous !== undefined) await rm(join(dir, `..${previous}`), { recursive: true });
}

t.test('the kubelet swap of a mounted volume is seen, through the `name -> ..data/name` link', async (t) => {
  const dir = await tempDir(t);
  await kubeletWrite(dir, '2026_12_01_10_00_00.000000001', { 'config.yaml': 'a: 1\n', token: 'one' });
  const changes = await watched(t, [join(dir, 'config.yaml')]);
  await kubeletWrite(dir, '2026_12_01_10_05_00.000000002', { 'config.yaml': 'a: 2\n', token: 'one' }, '2026_12_01_10_00_00.000000001');
  await waitFor(() => changes.count >= 1, { what: 'a change after the swap' });
  t.equal(await readFile(join(dir, 'config.yaml'), 'utf8'), 'a: 2\n');
  // A second swap: the watch on the new target's directory replaced the removed one.
  await kubeletWrite(dir, '2026_12_01_10_10_00.000000003', { 'config.yaml': 'a: 3\n', token: 'one' }, '2026_12_01_10_05_00.000000002');
  await waitFor(() => changes.count >= 2, { what: 'a change after the second swap' });
});

t.test('a swap of several files is one change; other files in the directory are none', async (t) => {
  const dir = await tempDir(t);
  await kubeletWrite(dir, '2026_12_01_10_00_00.000000001', { a: 'one', b: 'one' });
  const changes = await watched(t, [join(dir, 'a'), join(dir, 'b')], { debounceMs: 50 });
  // Both files change with the one rename of `..data`: one callback.
  await kubeletWrite(dir, '2026_12_01_10_05_00.000000002', { a: 'two', b: 'two' }, '2026_12_01_10_00_00.000000001');
  await waitFor(() => changes.count >= 1);
  // A file nobody watches: events in the directory, but nothing watched changed.
  const before = changes.count;
  await writeFile(join(dir, 'unrelated'), 'x');
  await writeFile(join(dir, 'unrelated'), 'y');
  // Time for the debounced comparison these events lead to (it must find nothing).
  await new Promise((r) => setTimeout(r, 300));
  t.equal(changes.count, before, 'unrelated files in the directory are no change');
  t.equal(before, 1, 'the swap of two files was reported once');
});

t.test('in-place edits, replacement by rename and deletion are changes', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'settings.json');
  await writeFile(file, '{"a":1}');
  const changes = await watched(t, [file]);
  await writeFile(file, '{"a":2}');
  await waitFor(() => changes.count === 1, { what: 'an in-place write' });
  await writeFile(`${file}.tmp`, '{"a":3}');
  await rename(`${file}.tmp`, file);
  await waitFor(() => changes.count === 2, { what: 'a rename over the file' });
  await unlink(file);
  await waitFor(() => changes.count === 3, { what: 'a deletion' });
  await writeFile(file, '{"a":4}');
  await waitFor(() => changes.count === 4, { what: 'the file back' });
});

t.test('a directory that does not exist yet, or vanishes and returns, is watched again', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'not', 'yet');
  const file = join(dir, 'ca.pem');
  const changes = await watched(t, [file]);
  await mkdir(dir, { recursive: true });
  await writeFile(file, 'one');
  await waitFor(() => changes.count >= 1, { what: 'the file in a directory that appeared later' });
  await rm(join(root, 'not'), { recursive: true });
  await waitFor(() => changes.count >= 2, { what: 'the directory removed' });
  await mkdir(dir, { recursive: true });
  await writeFile(file, 'two');
  await waitFor(() => changes.count >= 3, { what: 'the file in the re-created directory' });
});

t.test('a symlink to a file elsewhere: edits of the target are seen', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'real'));
  await mkdir(join(dir, 'etc'));
  const target = join(dir, 'real', 'config.yaml');
  const link = join(dir, 'etc', 'config.yaml');
  await writeFile(target, 'a: 1\n');
  await symlink(target, link);
  const changes = await watched(t, [link]);
  await writeFile(target, 'a: 2\n');
  await waitFor(() => changes.count === 1, { what: 'the target edited in place' });
});

t.test('the periodic check finds a change without any event', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'token');
  await writeFile(file, 'one');
  // Debounce far beyond the test: only the poll can report in time.
  const changes = await watched(t, [file], { debounceMs: 60_000, pollMs: 30 });
  // Replaced in one step (an in-place write could be seen half done, as two changes).
  await writeFile(`${file}.tmp`, 'two');
  await rename(`${file}.tmp`, file);
  await waitFor(() => changes.count === 1, { what: 'the poll' });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(changes.count, 1, 'the poll reports a change once, not on every tick');
});

t.test('close stops the callbacks', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'x');
  await writeFile(file, '1');
  const changes = await watched(t, [file], { debounceMs: 10, pollMs: 10 });
  await changes.watcher.close();
  await writeFile(file, '2');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(changes.count, 0);
});
