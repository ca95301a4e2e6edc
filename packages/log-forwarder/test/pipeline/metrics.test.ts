/**
 * Defect 6 (issue 11): per-file series (`read_bytes_total`, `rotations_total`,
 * `truncations_total`, `lag_bytes` by `file`) are removed when the file is forgotten, so
 * date-stamped names do not grow the label set forever.
 */
import { rename, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startForwarder, tempDir } from '../fixtures/harness.js';

t.test('a forgotten file leaves no series behind; a live one keeps its own', async (t) => {
  const dir = await tempDir(t);
  const names = ['app-2026-11-29.log', 'app-2026-11-30.log', 'app-2026-12-01.log'];
  for (const n of names) await writeFile(path.join(dir, n), `first line of ${n}\n`);
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: {
      app: { type: 'file', include: [path.join(dir, '*.log')], poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 50 },
    },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  await waitFor(() => mem?.events.length === 3, { what: 'three lines' });
  // The two old days: one truncated then rotated away, one rotated away; both then closed.
  const [old1, old2, today] = names.map((n) => path.join(dir, n)) as [string, string, string];
  await truncate(old1, 0);
  await writeFile(old1, 'after truncation\n');
  await waitFor(() => mem?.events.length === 4, { what: 'the line after the truncation' });
  await rename(old1, `${old1}.done`);
  await rename(old2, `${old2}.done`);
  await waitFor(() => fwd.pipeline.sources.get('app')?.tailers.size === 1, { what: 'the old files closed' });
  const text = await fwd.metrics.metrics();
  for (const old of [old1, old2]) {
    t.notOk(text.includes(`file="${old}"`), `no series for ${path.basename(old)}`);
  }
  t.match(
    text,
    new RegExp(`read_bytes_total\\{source="app",file="${today.replace(/[.]/g, '\\.')}"\\} \\d+`),
    'the live file keeps its series',
  );
});
