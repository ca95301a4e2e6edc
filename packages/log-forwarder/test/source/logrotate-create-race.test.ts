/**
 * Defect 1 (issue 11): real logrotate in `create` mode and an app that reopens its log for each
 * write. When the app re-creates `app.log` between logrotate's rename and its create, logrotate
 * keeps the app's file as `app.log-YYYYMMDDHH.backup` (a name the globs do not match) and creates
 * a fresh `app.log`. The lines in that file must arrive too.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { countBy } from '../fixtures/expect.js';
import { startForwarder, tempDir } from '../fixtures/harness.js';

const run = promisify(execFile);
const writerJs = fileURLToPath(new URL('../fixtures/reopening-writer.js', import.meta.url));
const MAX_ROTATIONS = 300;

t.test('a file re-created at the path and renamed away by logrotate before it is opened is read', async (t) => {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  const log = path.join(logs, 'app.log');
  await writeFile(log, '');
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: {
      app: { type: 'file', include: [path.join(logs, '*.log')], poll_interval_ms: 50, rescan_interval_ms: 250, rotate_wait_ms: 500 },
    },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const writer = spawn(process.execPath, [writerJs, log, 'reopen'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => writer.kill('SIGKILL'));
  let out = '';
  writer.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<void>((r) => writer.on('exit', () => r()));
  await waitFor(() => out.startsWith('ready'), { what: 'writer ready' });

  const conf = path.join(dir, 'logrotate.conf');
  await writeFile(conf, `${log} {\n  rotate 1000\n  create\n  missingok\n  nocompress\n}\n`, { mode: 0o644 });
  const state = path.join(dir, 'logrotate.state');
  // Rotate until logrotate hits the race once (it does within a few rotations here); a second
  // hit within the same hour would overwrite the first `.backup` on disk, so stop at one.
  let backup: string | undefined;
  let rotations = 0;
  while (!backup && rotations < MAX_ROTATIONS) {
    // On the race logrotate reports "destination ... already exists" and exits 1.
    await run('logrotate', ['-f', '-s', state, conf]).catch(() => undefined);
    rotations++;
    backup = (await readdir(logs)).find((n) => n.endsWith('.backup'));
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(backup, `logrotate kept the app's re-created file as a .backup (after ${rotations} rotations)`);
  await new Promise((r) => setTimeout(r, 300)); // lines after the race too
  writer.kill('SIGTERM');
  await exited;
  const written = Number(out.split('\n')[1]);
  const linesOf = async (name: string) => (await readFile(path.join(logs, name), 'utf8')).split('\n').filter(Boolean);
  const inBackup = backup ? await linesOf(backup) : [];
  t.ok(inBackup.length > 0, `the .backup holds ${inBackup.length} lines`);
  // What is on disk is what must arrive. (On a second hit in one run logrotate itself renames
  // over the first .backup: those lines are gone from disk for every reader.)
  const onDisk: string[] = [];
  const fileOf = new Map<string, string>();
  for (const name of await readdir(logs)) {
    if (!name.startsWith('app.log')) continue;
    for (const l of await linesOf(name)) {
      onDisk.push(l);
      fileOf.set(l, name);
    }
  }

  const mem = fwd.memory.get('mem');
  const delivered = () => new Set(mem?.messages());
  await waitFor(
    () => {
      const got = delivered();
      return onDisk.every((l) => got.has(l));
    },
    { timeoutMs: 20_000, what: 'every line on disk' },
  ).catch(() => undefined);
  const got = delivered();
  t.equal(inBackup.filter((l) => !got.has(l)).length, 0, `every line of the .backup arrived (${inBackup.length})`);
  const lost = onDisk.filter((l) => !got.has(l));
  t.equal(lost.length, 0, `no line on disk lost (${onDisk.length} on disk, ${written} written)`);
  if (lost.length > 0)
    t.comment(
      `lost, e.g.: ${lost
        .slice(0, 3)
        .map((l) => `${l} (in ${fileOf.get(l)})`)
        .join('; ')}; in files ${[...new Set(lost.map((l) => fileOf.get(l)))].join(', ')}`,
    );
  const counts = countBy(mem?.messages() ?? []);
  t.equal([...counts.values()].filter((n) => n > 1).length, 0, 'no line repeated');
});
