/**
 * Defect 5 (issue 11): with a sink down, files rotated out of the globs (or deleted) are held
 * open unread; without a bound they fill the pod's emptyDir. `rotated_retention_bytes`,
 * `rotated_retention_ms` and `max_open_files` bound them; what is given up is counted and logged
 * with the file and byte range.
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, startForwarder, tempDir } from '../fixtures/harness.js';

async function setup(t: Parameters<typeof tempDir>[0], source: Record<string, unknown>) {
  const dir = await tempDir(t);
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    max_in_flight_bytes: 65536,
    sources: {
      app: {
        type: 'file',
        include: [path.join(dir, '*.log')],
        poll_interval_ms: 20,
        rescan_interval_ms: 100,
        rotate_wait_ms: 50,
        ...source,
      },
    },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  mem?.block(); // the sink is down from the start: nothing is acknowledged
  const open = () => fwd.pipeline.sources.get('app')?.tailers.size ?? 0;
  const given = (reason: string) =>
    fwd.metrics
      .getSingleMetricAsString('outrigger_log_forwarder_given_up_files_total')
      .then((s) => Number(new RegExp(`reason="${reason}"\\} (\\d+)`).exec(s)?.[1] ?? 0));
  return { dir, fwd, mem, open, given };
}

t.test('rotated_retention_bytes: over the bound the file rotated out longest ago is given up, counted and logged', async (t) => {
  const { dir, fwd, mem, open, given } = await setup(t, { rotated_retention_bytes: 150_000 });
  const files = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.log`));
  for (const [i, f] of files.entries()) await writeFile(f, numbered(`file${i}`, 0, 4000)); // ~56 KB each...
  await waitFor(() => open() === 3, { what: 'three files open' });
  for (const f of files) await rename(f, `${f}.1`); // rotated out of the globs, a then b then c
  await unlink(`${files[0]}.1`); // and a deleted: only our fd keeps it on disk
  await waitFor(async () => (await given('retention_bytes')) >= 1, { what: 'a file given up' });
  await waitFor(() => open() <= 2, { what: 'its fd closed' });
  const log = fwd.logs.find((l) => l.code === 'OUTRIGGER_E_LF_FILE_GIVEN_UP');
  t.match(log, { path: files[0], reason: 'retention_bytes', from: Number, to: Number }, 'logged with the file and byte range');
  t.ok(log && (log.to as number) > (log.from as number), `range [${log?.from}, ${log?.to})`);
  const bytes = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_given_up_bytes_total');
  t.match(bytes, new RegExp(`reason="retention_bytes"\\} ${(log?.to as number) - (log?.from as number)}`), 'the bytes are counted');
  // The rest is still delivered once the sink is back.
  mem?.unblock();
  await waitFor(() => mem?.messages().includes('file2-003999'), { what: "the last file's last line" });
});

t.test('rotated_retention_ms: a rotated file unread for longer is given up', async (t) => {
  const { dir, fwd, mem, open, given } = await setup(t, { rotated_retention_ms: 300 });
  const f = path.join(dir, 'a.log');
  await writeFile(f, numbered('a', 0, 10000));
  await waitFor(() => open() === 1, { what: 'open' });
  await rename(f, `${f}.1`);
  await waitFor(async () => (await given('retention_time')) === 1, { what: 'given up by age' });
  await waitFor(() => open() === 0, { what: 'closed' });
  t.ok(fwd.logs.some((l) => l.code === 'OUTRIGGER_E_LF_FILE_GIVEN_UP' && l.reason === 'retention_time'));
  mem?.unblock(); // (a drain waiting on a blocked sink holds no timer: the test process would exit)
});

t.test('max_open_files: a new file takes the slot of the oldest rotated one; with none rotated it waits', async (t) => {
  const { dir, fwd, mem, open, given } = await setup(t, { max_open_files: 2 });
  const [a, b, c] = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.log`)) as [string, string, string];
  await writeFile(a, numbered('a', 0, 10000));
  await writeFile(b, numbered('b', 0, 10000));
  await waitFor(() => open() === 2, { what: 'two open' });
  await writeFile(c, numbered('c', 0, 10));
  await waitFor(() => fwd.logs.some((l) => l.code === 'OUTRIGGER_E_LF_MAX_OPEN_FILES'), { what: 'the cap logged' });
  t.equal(open(), 2, 'no third file opened');
  await rename(a, `${a}.1`);
  await waitFor(async () => (await given('max_open_files')) === 1, { what: 'the rotated file given up for the new one' });
  await waitFor(() => [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])].some((x) => x.path === c), {
    what: 'the waiting file opened',
  });
  t.equal(open(), 2);
  mem?.unblock();
});
