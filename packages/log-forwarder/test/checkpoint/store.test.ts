import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { type CheckpointState, CheckpointStore } from '../../src/checkpoint/store.js';
import { tempDir } from '../fixtures/harness.js';

const state = (offset: number): CheckpointState => ({
  version: 1,
  saved_at: 1000 + offset,
  files: [{ source: 'app', path: '/var/log/app.log', dev: 1, ino: 2, fp_len: 4, fp: 'abcd', offset }],
});

t.test('save is atomic and keeps the previous copy', async (t) => {
  const dir = await tempDir(t);
  const store = new CheckpointStore(path.join(dir, 'state'));
  await store.save(state(10));
  await store.save(state(20));
  const main = JSON.parse(await readFile(store.file, 'utf8')) as CheckpointState;
  const bak = JSON.parse(await readFile(store.backup, 'utf8')) as CheckpointState;
  t.equal(main.files[0]?.offset, 20);
  t.equal(bak.files[0]?.offset, 10);
  await t.rejects(stat(`${store.file}.tmp`), 'no tmp file left behind');
  const r = await store.load();
  t.equal(r.from, 'main');
  t.same(r.warnings, []);
});

for (const [name, text] of [
  ['zero-byte', ''],
  ['corrupt', '{"version":1,"saved_at":5,"files":[{"sour'],
  ['wrong shape', '{"version":1,"saved_at":5,"files":[{"source":1}]}'],
  [
    'bad per-sink offsets',
    '{"version":1,"saved_at":5,"files":[{"source":"app","path":"/a","dev":1,"ino":2,"fp_len":4,"fp":"abcd","offset":0,"sinks":{"es":-1}}]}',
  ],
] as const) {
  t.test(`${name} checkpoint → the backup is used, with a warning`, async (t) => {
    const dir = await tempDir(t);
    const store = new CheckpointStore(dir);
    await store.save(state(10));
    await store.save(state(20));
    await writeFile(store.file, text);
    const r = await store.load();
    t.equal(r.from, 'backup');
    t.equal(r.state?.files[0]?.offset, 10);
    t.match(r.warnings[0], /unusable.*using the backup/);
  });
}

t.test('no checkpoint at all → no state, no warning; both unusable → warning, no state', async (t) => {
  const dir = await tempDir(t);
  const store = new CheckpointStore(dir);
  t.same(await store.load(), { state: null, warnings: [], from: 'none' });
  await writeFile(store.file, 'garbage');
  await writeFile(store.backup, '');
  const r = await store.load();
  t.equal(r.state, null);
  t.match(r.warnings[0], /no usable backup/);
});

t.test('per-sink offsets are kept; an entry without them is still valid', async (t) => {
  const dir = await tempDir(t);
  const store = new CheckpointStore(dir);
  const withSinks = state(10);
  const entry = withSinks.files[0];
  if (entry) entry.sinks = { search: 50, loki: 10 };
  withSinks.files.push({ source: 'app', path: '/var/log/old.log', dev: 1, ino: 3, fp_len: 4, fp: 'abcd', offset: 7 });
  await store.save(withSinks);
  const r = await store.load();
  t.equal(r.from, 'main');
  t.same(r.state?.files[0]?.sinks, { search: 50, loki: 10 });
  t.equal(r.state?.files[1]?.sinks, undefined);
});
