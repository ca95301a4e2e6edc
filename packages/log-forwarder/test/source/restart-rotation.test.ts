/**
 * Soak defects (bench/log-forwarder/soak.mjs: logrotate `create` every 500 ms, random SIGKILLs):
 * files rotated while no checkpoint existed yet were never read. A forwarder that first comes up
 * after the app already rotated, or that was killed before its first checkpoint and restarted after
 * a rotation, starts without a checkpoint: the rotated file's lines must arrive all the same.
 */
import { appendFile, mkdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { compare, names } from '../fixtures/expect.js';
import { numbered, startForwarder, tempDir } from '../fixtures/harness.js';
import { readMessages } from '../fixtures/lines.js';

const bin = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 200 };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  return { dir, log: path.join(dir, 'logs', 'app.log') };
}

t.test('first start after the app already rotated twice → every line of the rotated files too, once', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('a', 1, 400));
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('b', 1, 300));
  await rename(`${log}.1`, `${log}.2`);
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('c', 1, 200));
  await writeFile(`${log}.3.gz`, 'not read: compressed\n');
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  const expected = [...names('a', 1, 400), ...names('b', 1, 300), ...names('c', 1, 200)];
  await waitFor(() => (mem?.messages().length ?? 0) >= expected.length, { what: 'every line' });
  await waitFor(() => fwd.pipeline.sources.get('app')?.tailers.size === 1, { what: 'rotated files read and closed' });
  t.same(compare(mem?.messages() ?? [], expected), { missing: [], repeated: [], unexpected: [] });
});

t.test('start_at: end at the first start leaves the rotated files alone too', async (t) => {
  const { dir, log } = await setup(t);
  await writeFile(log, numbered('a', 1, 100));
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('b', 1, 100));
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast, start_at: 'end' } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  await appendFile(log, numbered('later', 1, 50));
  const mem = fwd.memory.get('mem');
  await waitFor(() => (mem?.messages().length ?? 0) >= 50, { what: 'the lines written after the start' });
  await fwd.shutdown();
  t.same(compare(mem?.messages() ?? [], names('later', 1, 50)), { missing: [], repeated: [], unexpected: [] });
});

t.test('SIGKILL before any checkpoint was written, rotation while down, restart → every line', async (t) => {
  const { dir, log } = await setup(t);
  const out = path.join(dir, 'out.jsonl');
  // A state_dir that cannot be created (a file is in the way): no checkpoint is ever written, so
  // the kill is certainly one before the first checkpoint.
  const blocked = path.join(dir, 'blocked');
  await writeFile(blocked, '');
  const config = (stateDir: string) => ({
    state_dir: stateDir,
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    log: { level: 'warn' },
  });
  await writeFile(log, numbered('a', 1, 1000));
  const first = await spawnSidecar({ bin, config: config(path.join(blocked, 'state')) });
  t.teardown(() => first.stop('SIGKILL').catch(() => undefined));
  await waitFor(async () => (await readMessages(out)).length >= 1000, { what: 'the first file delivered' });
  await appendFile(log, numbered('a', 1001, 500)); // maybe read before the kill, maybe not
  t.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
  await t.rejects(readFile(path.join(blocked, 'state', 'checkpoints.json')), 'no checkpoint was written');

  // While down: the file with the unread tail is rotated away, a new one is written.
  await appendFile(log, numbered('a', 1501, 500));
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('b', 1, 300));

  const second = await spawnSidecar({ bin, config: config(path.join(blocked, 'state')) });
  t.teardown(() => second.stop('SIGKILL').catch(() => undefined));
  const expected = new Set([...names('a', 1, 2000), ...names('b', 1, 300)]);
  await waitFor(
    async () => {
      const got = new Set(await readMessages(out));
      return [...expected].every((l) => got.has(l));
    },
    { timeoutMs: 20_000, what: 'every line, the rotated tail included' },
  );
  t.equal((await second.stop('SIGTERM')).code, 0);
  const got = new Set(await readMessages(out));
  t.same(
    [...expected].filter((l) => !got.has(l)),
    [],
    'none missing',
  );
});

t.test('a file renamed away unseen before the last checkpoint, then SIGKILL → the next run reads it', async (t) => {
  const { dir, log } = await setup(t);
  const out = path.join(dir, 'out.jsonl');
  const cpFile = path.join(dir, 'state', 'checkpoints.json');
  const config = {
    state_dir: path.join(dir, 'state'),
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    log: { level: 'warn' },
  };
  type Cp = { saved_at: number; files: { path: string; offset: number; opened_at?: number }[] };
  const checkpoint = async () => JSON.parse(await readFile(cpFile, 'utf8').catch(() => 'null')) as Cp | null;
  await writeFile(log, numbered('a', 1, 500));
  const first = await spawnSidecar({ bin, config });
  t.teardown(() => first.stop('SIGKILL').catch(() => undefined));
  // A checkpoint that covers the file and was written well after it was opened.
  let cp: Cp | null = null;
  let n = 500;
  await waitFor(
    async () => {
      await appendFile(log, numbered('a', ++n, 1));
      cp = await checkpoint();
      const e = cp?.files[0];
      return e?.opened_at !== undefined && e.offset > 0 && cp !== null && cp.saved_at - e.opened_at >= 20;
    },
    { what: 'a checkpoint written 20 ms after the file was opened' },
  );
  t.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
  const saved = (await checkpoint()) as Cp;
  const openedAt = saved.files[0]?.opened_at as number;

  // What logrotate's create racing an app that reopens its log leaves: app.log rotated to
  // app.log.1, the app's re-created file renamed away as a .backup before the forwarder opened
  // it, written before the checkpoint above — then a fresh app.log.
  await rename(log, `${log}.1`);
  const backup = `${log}-2026120100.backup`;
  await writeFile(backup, numbered('b', 1, 200));
  const mtime = new Date((openedAt + saved.saved_at) / 2);
  await utimes(backup, mtime, mtime);
  await writeFile(log, numbered('c', 1, 100));

  const second = await spawnSidecar({ bin, config });
  t.teardown(() => second.stop('SIGKILL').catch(() => undefined));
  const expected = [...names('a', 1, n), ...names('b', 1, 200), ...names('c', 1, 100)];
  await waitFor(
    async () => {
      const got = new Set(await readMessages(out));
      return expected.every((l) => got.has(l));
    },
    { timeoutMs: 20_000, what: 'every line, the unseen .backup included' },
  );
  t.equal((await second.stop('SIGTERM')).code, 0);
  const got = new Set(await readMessages(out));
  t.same(
    expected.filter((l) => !got.has(l)),
    [],
    'none missing',
  );
});
