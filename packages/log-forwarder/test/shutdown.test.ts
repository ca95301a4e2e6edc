/**
 * Acceptance 13: SIGTERM with a backlog → the backlog is delivered before exit, within the
 * deadline, and the checkpoint covers it (a restart delivers nothing again).
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, tempDir } from './fixtures/harness.js';
import { readMessages } from './fixtures/lines.js';

const bin = fileURLToPath(new URL('../src/main.js', import.meta.url));
const LINES = 150_000;
const DEADLINE = 20_000;

t.test('13. SIGTERM with a backlog: delivered before exit, within the deadline', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  const out = path.join(dir, 'out.jsonl');
  const config = {
    state_dir: path.join(dir, 'state'),
    shutdown: { drain_timeout_ms: DEADLINE },
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], multiline: { start_pattern: '^b-' } } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
  };
  await writeFile(log, numbered('b', 1, LINES, ' a backlog line of reasonable length'));
  const fwd = await spawnSidecar({ bin, config });
  await waitFor(async () => (await stat(out).catch(() => ({ size: 0 }))).size > 0, { intervalMs: 2, what: 'delivery started' });
  const atTerm = (await stat(out)).size;
  const began = Date.now();
  const exit = await fwd.stop('SIGTERM', DEADLINE + 5000);
  const took = Date.now() - began;
  t.equal(exit.code, 0, 'clean exit');
  t.ok(took < DEADLINE, `exited in ${took} ms, within the ${DEADLINE} ms deadline`);
  const got = await readMessages(out);
  t.ok(atTerm < (await stat(out)).size / 2, `a backlog remained at SIGTERM (${atTerm} of ${(await stat(out)).size} bytes written)`);
  t.equal(new Set(got).size, LINES, 'every backlog line delivered, including the last (multiline-held) one');
  t.equal(got[got.length - 1], `b-${String(LINES).padStart(6, '0')} a backlog line of reasonable length`);
  const cp = JSON.parse(await readFile(path.join(dir, 'state', 'checkpoints.json'), 'utf8')) as { files: { offset: number }[] };
  t.equal(cp.files[0]?.offset, (await stat(log)).size, 'checkpoint at the end of the file');
  t.ok(fwd.logs().some((l) => l.msg === 'stopped cleanly'));
});
