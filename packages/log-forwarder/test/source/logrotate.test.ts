/**
 * Acceptance 12: Debian's real logrotate rotating with `create` (writer reopens on SIGHUP from
 * postrotate) and with `copytruncate`, driven by a writer at ≥ 5,000 lines/s, several rotations:
 * no line lost under `create`; the copytruncate window is measured and reported.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { countBy } from '../fixtures/expect.js';
import { startForwarder, tempDir } from '../fixtures/harness.js';

const run = promisify(execFile);
const writerJs = fileURLToPath(new URL('../fixtures/writer.js', import.meta.url));
const RATE = 6000;
const DURATION = 4000;
const ROTATIONS = 5;

function lineName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(7, '0')} written by the test writer at a steady rate`;
}

async function scenario(t: { teardown(fn: () => unknown): void; comment(...a: unknown[]): void }, mode: 'create' | 'copytruncate') {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  const log = path.join(logs, 'app.log');
  await writeFile(log, '');
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: {
      app: { type: 'file', include: [path.join(logs, '*.log')], poll_interval_ms: 50, rescan_interval_ms: 250, rotate_wait_ms: 1000 },
    },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  // The writer runs until told to stop after the last rotation: a fixed duration could end it
  // before a slow logrotate's postrotate signals it (flaky on a loaded machine).
  const began = Date.now();
  const writer = spawn(process.execPath, [writerJs, log, String(RATE), String(DURATION * 30), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => writer.kill('SIGKILL'));
  let out = '';
  writer.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<void>((r) => writer.on('exit', () => r()));
  await waitFor(() => out.startsWith('ready'), { what: 'writer ready' });

  const conf = path.join(dir, 'logrotate.conf');
  const post = mode === 'create' ? `  postrotate\n    kill -HUP ${writer.pid}\n  endscript\n` : '';
  await writeFile(conf, `${log} {\n  rotate 20\n  ${mode}\n  missingok\n  nocompress\n${post}}\n`, { mode: 0o644 });
  const state = path.join(dir, 'logrotate.state');
  for (let i = 0; i < ROTATIONS; i++) {
    await new Promise((r) => setTimeout(r, DURATION / (ROTATIONS + 1))); // spread rotations over the run
    await run('logrotate', ['-f', '-s', state, conf]);
  }
  await new Promise((r) => setTimeout(r, DURATION / (ROTATIONS + 1))); // lines after the last rotation too
  writer.kill('SIGTERM');
  await exited;
  const elapsed = Date.now() - began;
  const written = Number(out.split('\n')[1]);
  t.comment(`${mode}: writer wrote ${written} lines in ${elapsed} ms (${Math.round((written * 1000) / elapsed)} lines/s)`);
  const rotated = (await readdir(logs)).filter((n) => n.startsWith('app.log.'));
  return { fwd, written, elapsed, rotated, mem: fwd.memory.get('mem') };
}

t.test('12a. logrotate create + postrotate reopen at ≥ 5,000 lines/s → no line lost, none repeated', async (t) => {
  const { written, elapsed, rotated, mem } = await scenario(t, 'create');
  t.ok(written >= 5000 * (elapsed / 1000), `writer kept ≥ 5,000 lines/s (${written} lines in ${elapsed} ms)`);
  t.equal(rotated.length, ROTATIONS, `${ROTATIONS} rotations happened`);
  await waitFor(() => new Set(mem?.messages()).size >= written, { timeoutMs: 20_000, what: 'every line' });
  const counts = countBy(mem?.messages() ?? []);
  let missing = 0;
  for (let i = 1; i <= written; i++) if (!counts.has(lineName('create', i))) missing++;
  t.equal(missing, 0, 'no line lost');
  t.equal([...counts.values()].filter((n) => n > 1).length, 0, 'no line repeated');
  t.equal(counts.size, written, 'nothing else');
});

t.test('12b. logrotate copytruncate at ≥ 5,000 lines/s → no repeats; the copy-to-truncate window is measured', async (t) => {
  const { fwd, written, rotated, mem } = await scenario(t, 'copytruncate');
  t.equal(rotated.length, ROTATIONS, `${ROTATIONS} rotations happened`);
  const last = lineName('copytruncate', written);
  await waitFor(() => mem?.messages().includes(last), { timeoutMs: 20_000, what: 'the last line' });
  const counts = countBy(mem?.messages() ?? []);
  let missing = 0;
  for (let i = 1; i <= written; i++) if (!counts.has(lineName('copytruncate', i))) missing++;
  t.equal([...counts.values()].filter((n) => n > 1).length, 0, 'no line repeated');
  t.ok(missing < written * 0.05, `lost in the copytruncate window: ${missing} of ${written} lines`);
  t.comment(
    `copytruncate window: ${missing} of ${written} lines lost over ${ROTATIONS} rotations (${(missing / ROTATIONS).toFixed(1)} per rotation)`,
  );
  const truncations = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_truncations_total');
  t.match(truncations, new RegExp(`truncations_total\\{source="app",file="[^"]+"\\} ${ROTATIONS}`));
});
