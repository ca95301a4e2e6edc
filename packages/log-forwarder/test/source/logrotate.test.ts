/**
 * Acceptance 12: Debian's real logrotate rotating with `create` (writer reopens on SIGHUP from
 * postrotate) and with `copytruncate`, driven by a writer at ≥ 5,000 lines/s, several rotations:
 * no line lost under `create`; the copytruncate window is measured and reported.
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
  // The writer's own count and clock: the test's clock also counts node's start-up, which a
  // loaded machine stretches.
  const [written, elapsed] = (out.split('\n')[1] ?? '').split(' ').map(Number) as [number, number];
  t.comment(`${mode}: writer wrote ${written} lines in ${elapsed} ms (${Math.round((written * 1000) / elapsed)} lines/s)`);
  const rotated = (await readdir(logs)).filter((n) => n.startsWith('app.log.'));
  return { fwd, written, elapsed, rotated, mem: fwd.memory.get('mem'), log };
}

/** The line numbers in a file the writer wrote, in file order. */
async function numbersIn(file: string, prefix: string): Promise<number[]> {
  const text = await readFile(file, 'utf8');
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(`${prefix}-`)) out.push(Number(line.slice(prefix.length + 1, prefix.length + 8)));
  }
  return out;
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

t.test(
  '12b. logrotate copytruncate at ≥ 5,000 lines/s → no repeats, no old offset reused; the copy-to-truncate window is measured',
  async (t) => {
    const { fwd, written, elapsed, rotated, mem, log } = await scenario(t, 'copytruncate');
    t.ok(written >= 5000 * (elapsed / 1000), `writer kept ≥ 5,000 lines/s (${written} lines in ${elapsed} ms)`);
    t.equal(rotated.length, ROTATIONS, `${ROTATIONS} rotations happened`);
    const last = lineName('copytruncate', written);
    await waitFor(() => mem?.messages().includes(last), { timeoutMs: 20_000, what: 'the last line' });
    const counts = countBy(mem?.messages() ?? []);
    t.equal([...counts.values()].filter((n) => n > 1).length, 0, 'no line repeated');
    t.equal(
      [...counts.keys()].filter((m) => !m.startsWith('copytruncate-')).length,
      0,
      'nothing but the written lines (no torn or shifted line)',
    );

    // What copytruncate leaves: one file per generation (app.log.5 is the oldest, app.log the
    // newest). Each time, the forwarder must notice the truncation and start the new generation at
    // 0. What it cannot deliver is (a) the lines written between logrotate's copy and its truncate,
    // in no file at all (the window), and (b) the end of the old generation it had not read yet when
    // the truncate came (its lag). So per generation the delivered lines are a prefix of it: a
    // missing first line would mean an old offset was reused.
    const generations: number[][] = [];
    for (let i = ROTATIONS; i >= 1; i--) generations.push(await numbersIn(`${log}.${i}`, 'copytruncate'));
    generations.push(await numbersIn(log, 'copytruncate'));
    const delivered = (n: number) => counts.has(lineName('copytruncate', n));
    let lag = 0;
    let readGenerations = 0;
    const inFiles = new Set<number>();
    for (const [g, lines] of generations.entries()) {
      for (const n of lines) inFiles.add(n);
      const prefix = lines.findIndex((n) => !delivered(n));
      const got = prefix === -1 ? lines.length : prefix;
      t.equal(
        lines.slice(got).filter(delivered).length,
        0,
        `generation ${g + 1}: the lines delivered are a prefix (${got} of ${lines.length})`,
      );
      if (got > 0) readGenerations++;
      lag += lines.length - got;
    }
    t.equal(generations.at(-1)?.filter((n) => !delivered(n)).length, 0, 'after the last rotation, every line of the live file');
    let window = 0;
    for (let n = 1; n <= written; n++) if (!inFiles.has(n)) window++;
    t.equal(generations.flat().length + window, written, 'every written line is in one file or in a copy-to-truncate window');
    // A generation is only read from its start after its truncation was noticed. (On a badly loaded
    // machine a whole generation can pass unseen: then its truncation cannot be told from the next.)
    const text = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_truncations_total');
    const truncations = Number(/truncations_total\{source="app",file="[^"]+"\} (\d+)/.exec(text)?.[1] ?? 0);
    t.ok(
      truncations >= readGenerations - 1 && truncations <= ROTATIONS,
      `${truncations} truncations noticed, ${readGenerations} of ${ROTATIONS + 1} generations read`,
    );
    t.ok(readGenerations >= ROTATIONS, `at most one generation passed unseen (${readGenerations} of ${ROTATIONS + 1} read)`);
    t.comment(
      `copytruncate: ${written} lines, ${ROTATIONS} rotations: ${window} lines in no file (the copy-to-truncate window, ${(window / ROTATIONS).toFixed(1)} per rotation), ` +
        `${lag} copied but truncated before the forwarder read them (${(lag / ROTATIONS).toFixed(1)} per rotation)`,
    );
  },
);
