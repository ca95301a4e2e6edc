/**
 * `start_at: end` at a first start: the start offsets are the end of each file *now*, and only the
 * checkpoint remembers them. Lines read and sent before that checkpoint is written are lost to a
 * SIGKILL in that window: the restart finds no checkpoint, takes the new end, and never reads what
 * the first run read but could not deliver. Nothing may be read before the start offsets are saved.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { type CheckpointState, CheckpointStore } from '../../src/checkpoint/store.js';
import { compare, names } from '../fixtures/expect.js';
import { memorySinkFactory, numbered, startForwarder, tempDir } from '../fixtures/harness.js';

const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 200 };

t.test('start_at: end → nothing is read before the checkpoint with the start offsets is written', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  const old = numbered('old', 1, 100);
  await writeFile(log, old);

  // The first checkpoint write is held until the test lets it go (a kill would land in that wait).
  const saves: CheckpointState[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const original = CheckpointStore.prototype.save;
  CheckpointStore.prototype.save = async function (this: CheckpointStore, state: CheckpointState) {
    saves.push(state);
    await gate;
    return original.call(this, state);
  };
  t.teardown(() => {
    CheckpointStore.prototype.save = original;
    release();
  });

  const memory = memorySinkFactory();
  const starting = startForwarder(
    t,
    {
      state_dir: path.join(dir, 'state'),
      sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast, start_at: 'end' } },
      sinks: { mem: { type: 'memory', inputs: ['app'] } },
    },
    { memory },
  );
  await waitFor(() => saves.length > 0, { what: 'the first checkpoint write' });
  t.equal(saves[0]?.files[0]?.offset, Buffer.byteLength(old), 'it holds the end of the file as the start offset');
  await appendFile(log, numbered('new', 1, 50));
  // Ten poll intervals with the write pending: a running tailer would have read and sent the lines.
  await new Promise((r) => setTimeout(r, 200));
  t.same(memory.instances.get('mem')?.messages() ?? [], [], 'nothing sent while the start offsets are unsaved');

  release();
  const fwd = await starting;
  const mem = fwd.memory.get('mem');
  await waitFor(() => (mem?.messages().length ?? 0) >= 50, { what: 'the new lines, once saved' });
  await fwd.shutdown();
  t.same(compare(mem?.messages() ?? [], names('new', 1, 50)), { missing: [], repeated: [], unexpected: [] });
});
