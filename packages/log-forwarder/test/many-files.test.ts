/**
 * Acceptance 14: 1,000 files tailed at once → memory stays bounded (the figure is reported).
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, tempDir } from './fixtures/harness.js';
import { peakRssKb } from './fixtures/lines.js';

const bin = fileURLToPath(new URL('../src/main.js', import.meta.url));
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
  t.ok(many.rssMb - one.rssMb < 60, `1,000 files add ${(many.rssMb - one.rssMb).toFixed(1)} MB`);
  t.ok(many.rssMb < 200, `peak RSS ${many.rssMb.toFixed(1)} MB`);
});
