/**
 * Acceptance 14: 1,000 files tailed at once → memory stays bounded (the figure is reported).
 * Measured on the sidecar as it ships: the bundle with its Node flags (outrigger.nodeFlags), no
 * source maps (the bundle's map alone adds ~30 MB) and without the hook tap puts into every child's
 * NODE_OPTIONS (@tapjs/processinfo: ~35 MB; `env -u` drops it after tap's spawn wrapper). With
 * V8's default young generation the figure is mostly GC slack, not held data: under this burst
 * Node 24 grows new space to 64 MB (Node 20: 32 MB); the data held is ~10 KB per file.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, tempDir } from './fixtures/harness.js';
import { peakRssKb } from './fixtures/lines.js';

const bin = fileURLToPath(new URL('../bundle/log-forwarder.mjs', import.meta.url));
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { outrigger: { nodeFlags: string[] } };
const FILES = 1000;
const LINES = 100;

async function countLines(file: string): Promise<number> {
  try {
    const b = await readFile(file);
    let n = 0;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

async function runWith(t: { teardown(fn: () => unknown): void }, files: number) {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  for (let f = 0; f < files; f++)
    await writeFile(path.join(logs, `app-${f}.log`), numbered(`f${f}`, 1, LINES, ' a line in one of many files'));
  const out = path.join(dir, 'out.jsonl');
  const fwd = await spawnSidecar({
    bin,
    prefix: ['env', '-u', 'NODE_OPTIONS'],
    nodeArgs: ['--no-enable-source-maps', ...pkg.outrigger.nodeFlags],
    config: {
      state_dir: path.join(dir, 'state'),
      log: { level: 'warn' },
      sources: { app: { type: 'file', include: [path.join(logs, '*.log')] } },
      sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    },
  });
  t.teardown(() => fwd.stop('SIGKILL'));
  await waitFor(async () => (await countLines(out)) >= files * LINES, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: 'backlog of every file',
  });
  // Then every file grows again: all of them are being tailed.
  for (let f = 0; f < files; f++)
    await appendFile(path.join(logs, `app-${f}.log`), numbered(`f${f}`, LINES + 1, 5, ' a line in one of many files'));
  await waitFor(async () => (await countLines(out)) >= files * (LINES + 5), {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: 'appended lines of every file',
  });
  const delivered = await countLines(out);
  const status = (await (await fetch(`${fwd.adminUrl}/status`)).json()) as { detail: { sources: { app: { files: unknown[] } } } };
  const rssMb = (await peakRssKb(fwd.pid)) / 1024;
  const exit = await fwd.stop('SIGTERM');
  return { delivered, listed: status.detail.sources.app.files.length, rssMb, exit };
}

t.test('14. 1,000 files tailed at once: every line delivered, memory bounded', async (t) => {
  const one = await runWith(t, 1);
  const many = await runWith(t, FILES);
  t.equal(many.delivered, FILES * (LINES + 5), 'each line of each file once');
  t.equal(many.listed, FILES, '/status lists every file');
  t.equal(many.exit.code, 0);
  t.comment(`peak RSS: 1 file ${one.rssMb.toFixed(1)} MB, ${FILES} files ${many.rssMb.toFixed(1)} MB`);
  // The process baseline (runtime, admin server) is the same for both; 1,000 open files and
  // their state add a bounded amount, not a copy of the data.
  // Measured on Node 24 (2 cores): 1 file 73 MB, 1,000 files 113-131 MB (+40-58: ~10 KB of state
  // per file, the rest GC slack and libuv); without the semi-space flag 1,000 files peak at 141-170.
  t.ok(many.rssMb - one.rssMb < 70, `1,000 files add ${(many.rssMb - one.rssMb).toFixed(1)} MB`);
  t.ok(many.rssMb < 150, `peak RSS ${many.rssMb.toFixed(1)} MB`);
});
