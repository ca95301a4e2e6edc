// A read-only root filesystem without a volume at state_dir: the forwarder still delivers, and
// says at start-up, once and plainly, that checkpoints cannot be saved there and what to do.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, readJsonLines, startForwarder, tempDir } from './fixtures/harness.js';

t.test('state_dir not writable: one clear error at start-up, delivery continues', async (t) => {
  const dir = await tempDir(t);
  const log = path.join(dir, 'app.log');
  const out = path.join(dir, 'out.jsonl');
  await writeFile(log, numbered('a', 1, 10));
  // A regular file where the directory should be: mkdir fails as on a read-only filesystem.
  await writeFile(path.join(dir, 'blocked'), '');
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'blocked', 'state'),
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include: [path.join(dir, '*.log')], poll_interval_ms: 20 } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
  });
  await waitFor(async () => (await readJsonLines(out)).length === 10, { what: 'delivery' });
  const failures = () => fwd.logs.filter((l) => l.code === 'OUTRIGGER_E_LF_CHECKPOINT_WRITE');
  await waitFor(() => failures().length >= 2, { what: 'a second failed write' });
  const first = failures()[0];
  t.equal(first?.level, 50, 'an error');
  t.match(first?.msg, /state_dir .*blocked\/state is not writable/, 'names the directory');
  t.match(first?.msg, /mount a writable volume/, 'says what to do');
  t.ok(
    failures()
      .slice(1)
      .every((l) => l.level < 50),
    'later failures of the same kind are not repeated as errors every interval',
  );
  await fwd.shutdown();
});
