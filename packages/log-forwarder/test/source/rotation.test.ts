/**
 * Rotation, truncation, inode reuse and symlinks with real files (acceptance 1, 2, 3, 4, 7, 11).
 */
import { appendFileSync, closeSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { appendFile, copyFile, mkdir, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { compare, names } from '../fixtures/expect.js';
import { numbered, startForwarder, tempDir } from '../fixtures/harness.js';

const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 200 };

function config(dir: string, extra: Record<string, unknown> = {}, sourceExtra: Record<string, unknown> = {}) {
  return {
    state_dir: path.join(dir, 'state'),
    checkpoint_interval_ms: 50,
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast, ...sourceExtra } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
    ...extra,
  };
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  return { dir, log: path.join(dir, 'logs', 'app.log') };
}

async function delivered(mem: { messages(): string[] } | undefined, n: number, what: string, timeoutMs = 15000): Promise<string[]> {
  return waitFor(
    () => {
      const m = mem?.messages() ?? [];
      return m.length >= n ? m : undefined;
    },
    { timeoutMs, what },
  );
}

/** Polls until every rotated file has not grown for `ms` (past rotate_wait_ms: a timer would have closed it). */
async function quietFor(fwd: Awaited<ReturnType<typeof startForwarder>>, ms: number): Promise<void> {
  await waitFor(
    () => {
      const rotated = [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])].filter((x) => x.rotated);
      return rotated.length > 0 && rotated.every((x) => Date.now() - x.lastGrowth >= ms);
    },
    { what: `rotated files quiet for ${ms} ms` },
  );
}

t.test('1. rename rotation while running: N lines, mv, new file, M lines → exactly N+M', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('n', 1, 2000));
  const fwd = await startForwarder(t, config(dir));
  const mem = fwd.memory.get('mem');
  // The writer keeps its fd: lines written after the rename still go to the renamed file.
  const fd = openSync(log, 'a');
  t.teardown(() => closeSync(fd));
  await rename(log, `${log}.1`);
  writeSync(fd, numbered('late', 1, 300));
  await writeFile(log, numbered('m', 1, 1500));
  const expected = [...names('n', 1, 2000), ...names('late', 1, 300), ...names('m', 1, 1500)];
  const got = await delivered(mem, expected.length, 'N+M lines');
  t.same(compare(got, expected), { missing: [], repeated: [], unexpected: [] });
  // The rotated file is closed once read, acknowledged and quiet; nothing more arrives.
  await waitFor(() => fwd.pipeline.sources.get('app')?.tailers.size === 1, { what: 'rotated file closed' });
  t.equal(mem?.messages().length, expected.length);
  t.ok(fwd.logs.some((l) => l.msg === 'file rotated; reading it to its end'));
});

t.test('2. several rotations while stopped, rotated names outside the globs → nothing lost or repeated', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('a', 1, 500));
  const first = await startForwarder(t, config(dir));
  await delivered(first.memory.get('mem'), 500, 'first run');
  await first.shutdown();
  t.equal(first.memory.get('mem')?.messages().length, 500);

  // While stopped: app.log grows, then logrotate-style renames twice.
  await appendFile(log, numbered('a', 501, 100)); // unread tail of the checkpointed file
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('b', 1, 300)); // never seen by the forwarder
  await rename(`${log}.1`, `${log}.2`);
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('c', 1, 200));

  const second = await startForwarder(t, config(dir));
  const expected = [...names('a', 501, 100), ...names('b', 1, 300), ...names('c', 1, 200)];
  const got = await delivered(second.memory.get('mem'), expected.length, 'second run');
  await waitFor(() => second.pipeline.sources.get('app')?.tailers.size === 1, { what: 'rotations finished' });
  t.same(compare(second.memory.get('mem')?.messages() ?? got, expected), { missing: [], repeated: [], unexpected: [] });
});

t.test('3a. copytruncate while running → every line written after it arrives, none repeated', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('old', 1, 1000));
  const fwd = await startForwarder(t, config(dir));
  const mem = fwd.memory.get('mem');
  await delivered(mem, 1000, 'before copytruncate');
  await copyFile(log, `${log}.1`);
  await truncate(log, 0);
  await appendFile(log, numbered('new', 1, 100)); // far fewer bytes than the old offset
  const expected = [...names('old', 1, 1000), ...names('new', 1, 100)];
  const got = await delivered(mem, expected.length, 'after copytruncate');
  t.same(compare(got, expected), { missing: [], repeated: [], unexpected: [] });
  t.ok(fwd.logs.some((l) => l.msg === 'file truncated; reading it again from the start'));
});

t.test('3b. truncate in place and rewrite past the old offset before we look → read from 0, no old offset reused', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('old', 1, 200));
  const fwd = await startForwarder(t, config(dir));
  const mem = fwd.memory.get('mem');
  await delivered(mem, 200, 'first content');
  // In one synchronous step, so the forwarder never sees the short file.
  truncateSync(log, 0);
  appendFileSync(log, numbered('NEW', 1, 600));
  const expected = [...names('old', 1, 200), ...names('NEW', 1, 600)];
  const got = await delivered(mem, expected.length, 'rewritten content');
  t.same(compare(got, expected), { missing: [], repeated: [], unexpected: [] });
});

t.test('3c. truncated and rewritten while stopped → read from 0 after restart', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('old', 1, 100));
  const first = await startForwarder(t, config(dir));
  await delivered(first.memory.get('mem'), 100, 'first run');
  await first.shutdown();
  truncateSync(log, 0);
  appendFileSync(log, numbered('NEW', 1, 300));
  const second = await startForwarder(t, config(dir));
  const got = await delivered(second.memory.get('mem'), 300, 'second run');
  t.same(compare(got, names('NEW', 1, 300)), { missing: [], repeated: [], unexpected: [] });
});

t.test('4. three rotations while the sink is blocked, then unblocked → every byte of every file', async (t) => {
  const { dir, log } = await setup(t);
  const fwd = await startForwarder(t, config(dir, { max_in_flight_bytes: 65536 }));
  const mem = fwd.memory.get('mem');
  mem?.block();
  const expected: string[] = [];
  for (let r = 1; r <= 4; r++) {
    await writeFile(log, numbered(`r${r}`, 1, 3000, ' padding-to-make-the-lines-longer'));
    for (const n of names(`r${r}`, 1, 3000)) expected.push(`${n} padding-to-make-the-lines-longer`);
    if (r < 4) {
      // Wait until this file is open, then rotate it away.
      await waitFor(
        () => [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])].some((x) => x.identity.ino === statSync(log).ino),
        {
          what: `file ${r} opened`,
        },
      );
      await rename(log, `${log}.${r}`);
    }
  }
  // Blocked: reading stopped at the in-flight cap; the rotated files stay open with bytes unread,
  // also long after rotate_wait_ms (never given up on a timer while bytes remain).
  await waitFor(() => fwd.pipeline.inFlightBytes > 0, { what: 'in flight' });
  await quietFor(fwd, 3 * fast.rotate_wait_ms);
  t.equal(fwd.pipeline.sources.get('app')?.tailers.size, 4, 'the three rotated files are still open');
  t.ok(fwd.pipeline.inFlightBytes <= 65536 + 262144, `in-flight bytes bounded (${fwd.pipeline.inFlightBytes})`);
  t.ok((mem?.messages().length ?? 0) < expected.length, 'not everything delivered while blocked');
  mem?.unblock();
  const got = await delivered(mem, expected.length, 'all four files');
  t.same(compare(got, expected), { missing: [], repeated: [], unexpected: [] });
});

t.test('7. inode reuse: delete, a smaller new file gets the same inode → read from 0', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('big', 1, 1000));
  const first = await startForwarder(t, config(dir));
  await delivered(first.memory.get('mem'), 1000, 'first file');
  await first.shutdown();
  const ino = statSync(log).ino;
  await rm(log);
  let reused = false;
  for (let i = 0; i < 20 && !reused; i++) {
    await writeFile(log, numbered('small', 1, 10));
    reused = statSync(log).ino === ino;
    if (!reused) await rename(log, path.join(dir, `other-${i}`));
  }
  t.ok(reused, 'the file system reused the inode');
  const second = await startForwarder(t, config(dir));
  const got = await delivered(second.memory.get('mem'), 10, 'new small file');
  t.same(compare(got, names('small', 1, 10)), { missing: [], repeated: [], unexpected: [] });
});

t.test('11. a symlinked path whose target rotates is followed; a dangling link does not crash', async (t) => {
  const { dir } = await setup(t);
  const real = path.join(dir, 'real');
  await mkdir(real);
  await writeFile(path.join(real, 'app.log'), numbered('s', 1, 500));
  await symlink(path.join(real, 'app.log'), path.join(dir, 'logs', 'app.log'));
  await symlink(path.join(real, 'missing.log'), path.join(dir, 'logs', 'dangling.log'));
  const fwd = await startForwarder(t, config(dir));
  const mem = fwd.memory.get('mem');
  await delivered(mem, 500, 'through the link');
  await rename(path.join(real, 'app.log'), path.join(real, 'app.log.1'));
  await writeFile(path.join(real, 'app.log'), numbered('t', 1, 400));
  // The dangling link's target appears later: picked up then.
  await writeFile(path.join(real, 'missing.log'), numbered('d', 1, 50));
  const expected = [...names('s', 1, 500), ...names('t', 1, 400), ...names('d', 1, 50)];
  const got = await delivered(mem, expected.length, 'after target rotation');
  t.same(compare(got, expected), { missing: [], repeated: [], unexpected: [] });
  t.equal(fwd.memory.get('mem')?.events.find((e) => e.message === 't-000001')?.file, path.join(dir, 'logs', 'app.log'));
});

t.test('rotated names the globs also match: followed under the new name, never read twice', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('x', 1, 500));
  const fwd = await startForwarder(t, {
    ...config(dir),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', 'app.log*')], ...fast } },
  });
  const mem = fwd.memory.get('mem');
  await delivered(mem, 500, 'first file');
  await rename(log, `${log}.1`);
  await appendFile(`${log}.1`, numbered('late', 1, 20));
  await writeFile(log, numbered('y', 1, 300));
  const expected = [...names('x', 1, 500), ...names('late', 1, 20), ...names('y', 1, 300)];
  await delivered(mem, expected.length, 'both files');
  // The renamed file is tailed under its new name (not finished and found again as new).
  await waitFor(
    () => {
      const tailers = [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])];
      const paths = tailers.map((x) => `${x.path}:${x.rotated}`).sort();
      return paths.join(',') === `${log}.1:false,${log}:false`;
    },
    { what: 'both tailed, under their current names' },
  );
  t.same(compare(mem?.messages() ?? [], expected), { missing: [], repeated: [], unexpected: [] });
});

t.test('a deleted file with unread bytes is read to its end before its fd is closed', async (t) => {
  const { dir, log } = await setup(t);
  const fwd = await startForwarder(t, config(dir, { max_in_flight_bytes: 65536 }));
  const mem = fwd.memory.get('mem');
  mem?.block();
  await writeFile(log, numbered('del', 1, 20_000));
  await waitFor(() => fwd.pipeline.inFlightBytes > 0, { what: 'reading started' });
  await rm(log);
  await waitFor(() => fwd.logs.some((l) => l.msg === 'file rotated; reading it to its end'), { what: 'deletion noticed' });
  await quietFor(fwd, 3 * fast.rotate_wait_ms);
  t.equal(fwd.pipeline.sources.get('app')?.tailers.size, 1, 'still open long after rotate_wait_ms, bytes unread');
  mem?.unblock();
  const got = await delivered(mem, 20_000, 'all lines of the deleted file');
  t.same(compare(got, names('del', 1, 20_000)), { missing: [], repeated: [], unexpected: [] });
  await waitFor(() => fwd.pipeline.sources.get('app')?.tailers.size === 0, { what: 'closed once acknowledged' });
});
