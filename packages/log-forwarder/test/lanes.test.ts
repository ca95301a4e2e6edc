/**
 * Independent sinks (issue 6): each sink reads each file through its own lane. A sink that is down
 * uses up only its share of the in-flight cap and falls behind; the others keep reading. The
 * checkpoint keeps each sink's offset, so after a restart each resumes where it was.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import type { CheckpointState } from '../src/checkpoint/store.js';
import { compare, countBy, names } from './fixtures/expect.js';
import { numbered, startForwarder, tempDir } from './fixtures/harness.js';

const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 100 };
const LINE = 'x-000001'.length + 1;

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  return { dir, log: path.join(dir, 'logs', 'app.log'), include: [path.join(dir, 'logs', '*.log')], state: path.join(dir, 'state') };
}

const readCheckpoint = async (state: string) => JSON.parse(await readFile(path.join(state, 'checkpoints.json'), 'utf8')) as CheckpointState;

t.test('a blocked sink does not stall the other; it reads its backlog from the file once unblocked', async (t) => {
  const { log, include, state } = await setup(t);
  const LINES = 100_000; // 900 kB: about 14 times the cap
  await writeFile(log, numbered('x', 1, LINES));
  const fwd = await startForwarder(t, {
    state_dir: state,
    max_in_flight_bytes: 65_536,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: 8192, max_line_bytes: 1024 } },
    sinks: { slow: { type: 'memory', inputs: ['app'] }, fast: { type: 'memory', inputs: ['app'] } },
  });
  const slow = fwd.memory.get('slow');
  const quick = fwd.memory.get('fast');
  slow?.block();
  await waitFor(() => (quick?.events.length ?? 0) >= LINES, { timeoutMs: 30_000, what: 'the unblocked sink got every line' });
  const inFlight = fwd.pipeline.inFlightBytes;
  // A read of 8192 bytes counts 16 bytes of offsets per line besides them.
  t.ok(
    inFlight <= 65_536 / 2 + 8192 * (1 + 16 / LINE) + 1,
    `in flight ${inFlight} bytes: the blocked sink holds at most its share (+ one read)`,
  );
  const st = fwd.pipeline.status() as {
    sinks: Record<string, { lag_bytes: number; waiting_for_room: boolean }>;
    sources: { app: { files: { offset: number; sinks: Record<string, { offset: number }> }[] } };
  };
  t.equal(st.sinks.fast?.lag_bytes, 0);
  t.ok((st.sinks.slow?.lag_bytes ?? 0) > LINES * LINE - 65_536, `the blocked sink lags by the backlog (${st.sinks.slow?.lag_bytes})`);
  t.equal(st.sinks.slow?.waiting_for_room, true, '/status: the blocked sink waits for room');
  t.equal(st.sources.app.files[0]?.sinks.fast?.offset, LINES * LINE);
  t.equal(st.sources.app.files[0]?.offset, st.sources.app.files[0]?.sinks.slow?.offset, 'committed offset: the minimum');
  const lag = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_sink_lag_bytes');
  t.match(lag, /sink_lag_bytes\{sink="fast"\} 0$/m);
  slow?.unblock();
  await waitFor(() => (slow?.events.length ?? 0) >= LINES, { timeoutMs: 30_000, what: 'the backlog re-read for the blocked sink' });
  t.same(compare(slow?.messages() ?? [], names('x', 1, LINES)), { missing: [], repeated: [], unexpected: [] });
  t.same(compare(quick?.messages() ?? [], names('x', 1, LINES)), { missing: [], repeated: [], unexpected: [] });
  t.same(slow?.ids, quick?.ids, 'the same ids for the same lines, whichever lane read them');
  const read = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_read_bytes_total');
  t.match(read, new RegExp(`\\} ${LINES * LINE}$`, 'm'), 'read_bytes_total counts each byte once, re-reads aside');
  await fwd.shutdown();
});

t.test('short lines: the offsets kept with each line count against the cap, so 2-byte lines are bounded too', async (t) => {
  const { log, include, state } = await setup(t);
  // 2-byte lines: each costs 16 bytes of offsets (start, end, next) besides its 2 bytes.
  const LINES = 60_000;
  await writeFile(log, 'a\n'.repeat(LINES));
  const CAP = 65_536;
  const READ = 8192;
  const fwd = await startForwarder(t, {
    state_dir: state,
    max_in_flight_bytes: CAP,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: READ, max_line_bytes: 1024 } },
    sinks: { slow: { type: 'memory', inputs: ['app'] } },
  });
  const slow = fwd.memory.get('slow');
  slow?.block();
  // Reading stops once the share is used up (it would, later, with the lines' bytes counted only).
  const waiting = () => (fwd.pipeline.status() as { sinks: Record<string, { waiting_for_room: boolean }> }).sinks.slow?.waiting_for_room;
  await waitFor(waiting, { what: 'the blocked sink to wait for room' });
  const metric = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_read_bytes_total');
  const read = Number(/\} (\d+)$/m.exec(metric)?.[1]);
  const cost = (bytes: number) => bytes + (bytes / 2) * 16;
  t.ok(read > 0 && cost(read) <= CAP + cost(READ), `${read} bytes read while blocked: their bytes and offsets within the cap (+ one read)`);
  t.ok(fwd.pipeline.inFlightBytes >= cost(read) - cost(READ), `the gauge counts the offsets too (${fwd.pipeline.inFlightBytes})`);
  slow?.unblock();
  await waitFor(() => (slow?.events.length ?? 0) >= LINES, { timeoutMs: 30_000, what: 'every line once unblocked' });
  t.equal(slow?.events.length, LINES, 'nothing lost, nothing repeated');
  await fwd.shutdown();
});

t.test('restart: each sink resumes at its own offset from the checkpoint', async (t) => {
  const { log, include, state } = await setup(t);
  const L = 50_000;
  await writeFile(log, numbered('r', 1, L));
  const config = {
    state_dir: state,
    max_in_flight_bytes: 65_536,
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: 4096, max_line_bytes: 1024 } },
    sinks: { a: { type: 'memory', inputs: ['app'] }, b: { type: 'memory', inputs: ['app'] } },
  };
  const first = await startForwarder(t, config);
  first.memory.get('b')?.block();
  await waitFor(() => (first.memory.get('a')?.events.length ?? 0) >= L, { what: 'sink a got everything' });
  const got = { a: first.memory.get('a')?.events.length ?? 0, b: first.memory.get('b')?.events.length ?? 0 };
  await first.shutdown(300);
  const cp = await readCheckpoint(state);
  const entry = cp.files[0];
  t.equal(entry?.sinks?.a, L * LINE, 'a: acknowledged everything');
  t.equal(entry?.sinks?.b, got.b * LINE, 'b: acknowledged only what it took before blocking');
  t.equal(entry?.offset, got.b * LINE, 'offset: the minimum');
  t.ok(got.b < L, `b got ${got.b} lines before the restart`);

  await appendFile(log, numbered('r', L + 1, 100));
  const second = await startForwarder(t, config);
  const a = second.memory.get('a');
  const b = second.memory.get('b');
  await waitFor(() => (a?.events.length ?? 0) >= 100 && (b?.events.length ?? 0) >= L + 100 - got.b, { what: 'both caught up' });
  await second.shutdown();
  t.same(compare(a?.messages() ?? [], names('r', L + 1, 100)), { missing: [], repeated: [], unexpected: [] }, 'a: only the new lines');
  t.same(
    compare(b?.messages() ?? [], names('r', got.b + 1, L + 100 - got.b)),
    { missing: [], repeated: [], unexpected: [] },
    'b: its backlog',
  );
});

t.test('a checkpoint without per-sink offsets: every sink starts at the committed offset', async (t) => {
  const { log, include, state } = await setup(t);
  await writeFile(log, numbered('o', 1, 20));
  const config = {
    state_dir: state,
    sources: { app: { type: 'file', include, ...fast } },
    sinks: { a: { type: 'memory', inputs: ['app'] }, b: { type: 'memory', inputs: ['app'] } },
  };
  const first = await startForwarder(t, config);
  await waitFor(() => first.memory.get('b')?.events.length === 20, { what: 'first run' });
  await first.shutdown();
  // As an older version (or a hand edit) wrote it: no `sinks`, committed at line 10.
  const cp = await readCheckpoint(state);
  const entry = cp.files[0];
  if (!entry) throw new Error('no checkpoint entry');
  entry.offset = 10 * LINE;
  delete entry.sinks;
  await writeFile(path.join(state, 'checkpoints.json'), JSON.stringify(cp));
  const second = await startForwarder(t, config);
  await waitFor(() => second.memory.get('a')?.events.length === 10 && second.memory.get('b')?.events.length === 10, { what: 'second run' });
  t.same(second.memory.get('a')?.messages(), names('o', 11, 10));
  t.same(second.memory.get('b')?.messages(), names('o', 11, 10));
  await second.shutdown();
});

t.test('a rotated file stays open until the lagging sink has read and acknowledged it', async (t) => {
  const { log, include, state } = await setup(t);
  const fwd = await startForwarder(t, {
    state_dir: state,
    max_in_flight_bytes: 65_536,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: 4096, max_line_bytes: 1024 } },
    sinks: { lag: { type: 'memory', inputs: ['app'] }, ok: { type: 'memory', inputs: ['app'] } },
  });
  const lag = fwd.memory.get('lag');
  const ok = fwd.memory.get('ok');
  lag?.block();
  await writeFile(log, `${numbered('one', 1, 3000)}one-last-without-newline`);
  await waitFor(() => (ok?.events.length ?? 0) >= 3000, { what: 'first file delivered to ok' });
  await rename(log, `${log}.1`);
  await writeFile(log, numbered('two', 1, 3000));
  await waitFor(() => (ok?.events.length ?? 0) >= 6001, { what: 'both files delivered to ok (last line of the rotated one too)' });
  // Far past rotate_wait_ms: still open, the lagging sink needs its bytes.
  const tailers = () => [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])];
  await waitFor(() => tailers().some((x) => x.rotated && Date.now() - x.lastGrowth >= 3 * fast.rotate_wait_ms), {
    what: 'the rotated file quiet for 3 × rotate_wait_ms',
  });
  t.equal(tailers().length, 2, 'the rotated file is still open for the lagging sink');
  t.ok(tailers().some((x) => x.rotated));
  lag?.unblock();
  await waitFor(() => tailers().length === 1, { timeoutMs: 20_000, what: 'the rotated file closed once the lagging sink acknowledged it' });
  const expected = [...names('one', 1, 3000), 'one-last-without-newline', ...names('two', 1, 3000)];
  await waitFor(() => (lag?.events.length ?? 0) >= expected.length, { what: 'lagging sink complete' });
  t.same(compare(lag?.messages() ?? [], expected), { missing: [], repeated: [], unexpected: [] });
  t.same(compare(ok?.messages() ?? [], expected), { missing: [], repeated: [], unexpected: [] });
  await fwd.shutdown();
});

t.test('truncation in place while a sink lags: every lane starts again at 0 with the new content', async (t) => {
  const { log, include, state } = await setup(t);
  const fwd = await startForwarder(t, {
    state_dir: state,
    max_in_flight_bytes: 65_536,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: 4096, max_line_bytes: 1024 } },
    sinks: { lag: { type: 'memory', inputs: ['app'] }, ok: { type: 'memory', inputs: ['app'] } },
  });
  const lag = fwd.memory.get('lag');
  const ok = fwd.memory.get('ok');
  lag?.block();
  await writeFile(log, numbered('old', 1, 20_000));
  await waitFor(() => (ok?.events.length ?? 0) >= 20_000, { what: 'old content delivered to ok' });
  await writeFile(log, numbered('new', 1, 50)); // truncate in place, smaller
  await waitFor(() => (ok?.events.length ?? 0) >= 20_050, { what: 'new content delivered to ok' });
  lag?.unblock();
  await waitFor(() => lag?.messages().includes('new-000050'), { what: 'new content delivered to the lagging sink' });
  await fwd.shutdown();
  t.same(compare(ok?.messages() ?? [], [...names('old', 1, 20_000), ...names('new', 1, 50)]), {
    missing: [],
    repeated: [],
    unexpected: [],
  });
  const got = lag?.messages() ?? [];
  const oldGot = got.filter((m) => m.startsWith('old-'));
  t.ok(oldGot.length < 20_000, `the lagging sink lost the old lines it had not read (${oldGot.length} of 20000 read before)`);
  t.same(compare(got, [...oldGot, ...names('new', 1, 50)]), { missing: [], repeated: [], unexpected: [] }, 'no repeats, all new lines');
  const truncations = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_truncations_total');
  t.match(truncations, /\} 1$/m, 'one truncation');
});

t.test('per-lane parsing and multiline: each sink gets the same events; drops and parse errors counted once', async (t) => {
  const { log, include, state } = await setup(t);
  const fwd = await startForwarder(t, {
    state_dir: state,
    max_in_flight_bytes: 65_536,
    sources: {
      app: {
        type: 'file',
        include,
        ...fast,
        read_chunk_bytes: 4096,
        max_line_bytes: 1024,
        parser: { type: 'json' },
        multiline: { preset: 'java', timeout_ms: 100 },
      },
    },
    transforms: { keep: { type: 'filter', inputs: ['app'], field: 'message', pattern: '^drop', action: 'drop' } },
    sinks: { a: { type: 'memory', inputs: ['keep'] }, b: { type: 'memory', inputs: ['keep'] } },
  });
  const a = fwd.memory.get('a');
  const b = fwd.memory.get('b');
  b?.block();
  let text = '';
  for (let i = 1; i <= 300; i++) {
    text += `${JSON.stringify({ message: `event-${i}` })}\n`;
    if (i % 100 === 0) text += 'not json\n';
    if (i % 50 === 0) text += `${JSON.stringify({ message: `drop-${i}` })}\n`;
  }
  await writeFile(log, text);
  await waitFor(() => (a?.events.length ?? 0) >= 303, { what: 'a got its events' });
  b?.unblock();
  await waitFor(() => (b?.events.length ?? 0) >= 303, { what: 'b got its events' });
  // Drained: anything still on its way (an extra event would be a bug) has arrived.
  await fwd.shutdown();
  t.equal(a?.events.length, 303);
  t.equal(b?.events.length, 303);
  t.same(b?.messages(), a?.messages(), 'the same events in the same order');
  t.same(b?.ids, a?.ids);
  t.equal(countBy(a?.messages() ?? []).get('not json'), 3);
  const metrics = await fwd.metrics.metrics();
  t.match(metrics, /dropped_events_total\{reason="filter",component="keep"\} 6$/m, 'each drop counted once');
  t.match(metrics, /parse_errors_total\{source="app"\} 3$/m, 'each parse error counted once');
});
