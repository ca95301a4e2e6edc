/**
 * Finding a checkpointed file again at start while logrotate keeps renaming (soak defect: numbered
 * rotation renamed the file between our look at its name and our open, the open by name got
 * ENOENT or the next file, and the file's unread tail was dropped without a word).
 */
import { statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { CheckpointEntry } from '../../src/checkpoint/store.js';
import { identify } from '../../src/source/identity.js';
import { type LocateHooks, locate } from '../../src/source/locate.js';
import { numbered, tempDir } from '../fixtures/harness.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  return path.join(logs, 'app.log');
}

function entryOf(file: string, content: string, offset: number): CheckpointEntry {
  const st = statSync(file);
  const head = Buffer.from(content).subarray(0, 64);
  return { source: 'app', path: file, offset, ...identify(st.dev, st.ino, head) };
}

/** Shifts `.N` to `.N+1` (highest first) and `app.log` to `.1`, like logrotate's numbered rotation. */
async function shift(log: string, upTo: number): Promise<void> {
  for (let n = upTo; n >= 1; n--) await rename(`${log}.${n}`, `${log}.${n + 1}`).catch(() => undefined);
  await rename(log, `${log}.1`).catch(() => undefined);
}

t.test('renamed between its lookup and its open (the name now holds the next file) → found under its new name', async (t) => {
  const log = await setup(t);
  const old = numbered('old', 1, 100);
  await writeFile(log, old);
  const entry = entryOf(log, old, 900);
  await shift(log, 0); // rotated while we were stopped: app.log → app.log.1
  await writeFile(log, numbered('new', 1, 100));
  let renamed = 0;
  const hooks: LocateHooks = {
    beforeOpen: async (file) => {
      if (renamed++ > 0) return;
      // logrotate again, right then: our file goes to .2 and the newer one takes its name.
      t.equal(file, `${log}.1`);
      await shift(log, 1);
      await writeFile(log, numbered('newest', 1, 10));
    },
  };
  const loc = await locate(entry, hooks);
  t.ok(loc, 'found');
  if (!loc) return;
  t.teardown(() => loc.fh.close());
  t.equal(loc.path, `${log}.2`);
  const st = await loc.fh.stat();
  t.same([st.dev, st.ino], [entry.dev, entry.ino], 'the handle is on the checkpointed file');
  t.equal(loc.head.toString(), old.slice(0, 64));
});

t.test('renamed to a name before it in the directory order (.9 → .10) between lookup and open → still found', async (t) => {
  const log = await setup(t);
  const content = numbered('nine', 1, 50);
  for (let n = 1; n <= 9; n++) await writeFile(`${log}.${n}`, n === 9 ? content : numbered(`f${n}`, 1, 5));
  await writeFile(log, numbered('live', 1, 5));
  const entry = { ...entryOf(`${log}.9`, content, 100), path: log };
  let renamed = 0;
  const loc = await locate(entry, {
    beforeOpen: async () => {
      if (renamed++ === 0) await shift(log, 9);
    },
  });
  t.ok(loc, 'found');
  if (!loc) return;
  t.teardown(() => loc.fh.close());
  t.equal(loc.path, `${log}.10`);
  t.equal(loc.head.toString(), content.slice(0, 64));
});

t.test('deleted for good → not found (and no handle left open)', async (t) => {
  const log = await setup(t);
  await writeFile(log, 'x\n');
  const entry = entryOf(log, 'x\n', 2);
  await rename(log, `${log}.gone`);
  await rm(`${log}.gone`);
  t.equal(await locate(entry), undefined);
});
