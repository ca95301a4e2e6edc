import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { numbered, readJsonLines, startForwarder, tempDir } from './fixtures/harness.js';

t.test('tails a file into the file sink as JSON lines with message, timestamp, file', async (t) => {
  const dir = await tempDir(t);
  const log = path.join(dir, 'app.log');
  const out = path.join(dir, 'out', 'events.jsonl');
  await writeFile(log, numbered('a', 1, 100));
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, '*.log')], poll_interval_ms: 20 } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
  });
  await appendFile(log, numbered('a', 101, 50));
  const events = await waitFor(async () => {
    const e = await readJsonLines(out);
    return e.length >= 150 ? e : undefined;
  });
  t.equal(events.length, 150);
  t.equal(events[0]?.message, 'a-000001');
  t.equal(events[149]?.message, 'a-000150');
  t.equal(events[0]?.file, log);
  t.match(events[0]?.timestamp, /^\d{4}-\d{2}-\d{2}T/);
  await fwd.shutdown();
});

const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 100 };

async function logsDir(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'logs'));
  return { dir, log: path.join(dir, 'logs', 'app.log'), include: [path.join(dir, 'logs', '*.log')] };
}

t.test('8. java trace: 2,000 lines at once is one event; one line per 200 ms is not split', async (t) => {
  const { dir, log, include } = await logsDir(t);
  const trace = (n: number, tag: string) => {
    const lines = [`Exception in thread "${tag}" java.lang.IllegalStateException: boom`];
    for (let i = 0; i < n - 2; i++) lines.push(`\tat com.example.Service.m${i}(Service.java:${i})`);
    lines.push('\t... 3 more');
    return lines;
  };
  await writeFile(log, `2024-01-01 INFO start\n${trace(2000, 'big').join('\n')}\n2024-01-01 INFO after\n`);
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include, ...fast, multiline: { preset: 'java', timeout_ms: 1000 } } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  await waitFor(() => (mem?.events.length ?? 0) >= 3, { what: 'big trace' });
  t.same(
    mem?.events.map((e) => e.message.split('\n').length),
    [1, 2000, 1],
  );
  const slow = trace(8, 'slow');
  for (const line of slow) {
    await appendFile(log, `${line}\n`);
    await new Promise((r) => setTimeout(r, 200)); // the writer's pace, not synchronisation
  }
  await waitFor(() => (mem?.events.length ?? 0) >= 4, { timeoutMs: 5000, what: 'slow trace flushed by the timeout' });
  t.equal(mem?.events.length, 4);
  t.equal(mem?.events[3]?.message, slow.join('\n'), 'one event with every line');
});

t.test('9. CRI P,P,F for stdout and stderr interleaved → one message per stream', async (t) => {
  const { dir, log, include } = await logsDir(t);
  await writeFile(
    log,
    [
      '2024-01-01T00:00:00.000000001Z stdout P out-a ',
      '2024-01-01T00:00:00.000000002Z stderr P err-a ',
      '2024-01-01T00:00:00.000000003Z stdout P out-b ',
      '2024-01-01T00:00:00.000000004Z stderr F err-b',
      '2024-01-01T00:00:00.000000005Z stdout F out-c',
      '2024-01-01T00:00:00.000000006Z stdout F {"level":"info"}',
      '',
    ].join('\n'),
  );
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include, ...fast, parser: { type: 'cri' } } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  await waitFor(() => (mem?.events.length ?? 0) >= 3, { what: '3 events' });
  t.same(
    mem?.events.map((e) => [e.stream, e.message, e.timestamp]),
    [
      ['stderr', 'err-a err-b', '2024-01-01T00:00:00.000000002Z'],
      ['stdout', 'out-a out-b out-c', '2024-01-01T00:00:00.000000001Z'],
      ['stdout', '{"level":"info"}', '2024-01-01T00:00:00.000000006Z'],
    ],
  );
});

t.test('6. corrupt or zero-byte checkpoint → starts from the backup with a warning', async (t) => {
  const { dir, log, include } = await logsDir(t);
  const config = {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include, ...fast } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  };
  await writeFile(log, numbered('a', 1, 100));
  const first = await startForwarder(t, config);
  await waitFor(() => first.memory.get('mem')?.events.length === 100, { what: 'first run' });
  await first.shutdown();
  const cpFile = path.join(dir, 'state', 'checkpoints.json');
  for (const [i, bad] of ['', '{"version":1,"files":[{"so'].entries()) {
    await writeFile(cpFile, bad);
    await appendFile(log, numbered(`b${i}`, 1, 10));
    const next = await startForwarder(t, config);
    const mem = next.memory.get('mem');
    await waitFor(() => (mem?.events.length ?? 0) >= 10, { what: 'new lines' });
    await next.shutdown();
    const msgs = mem?.messages() ?? [];
    t.equal(msgs[0], `b${i}-000001`, 'continues from the backup offset, nothing read again');
    t.equal(msgs.length, 10);
    const warn = next.logs.find((l) => l.code === 'OUTRIGGER_E_LF_CHECKPOINT_CORRUPT');
    t.match(warn?.msg, /unusable .*using the backup/);
    t.equal(warn?.level, 40, 'a warning');
  }
});

t.test('transforms compose by inputs; a sink past a filter does not hold back the checkpoint', async (t) => {
  const { dir, log, include } = await logsDir(t);
  await writeFile(
    log,
    [
      '{"level":"info","message":"hello","user":"u1","token":"abc"}',
      '{"level":"error","message":"card 4111-1111-1111-1111 declined","user":"u2"}',
      '',
    ].join('\n'),
  );
  process.env.LF_TEST_POD = 'web-7';
  t.teardown(() => {
    delete process.env.LF_TEST_POD;
  });
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include, ...fast, parser: { type: 'json' } } },
    transforms: {
      meta: { type: 'add_fields', inputs: ['app'], fields: { pod: '${LF_TEST_POD:-none}', namespace: '${LF_TEST_NS:-default}' } },
      clean: { type: 'remove', inputs: ['meta'], fields: ['token'] },
      named: { type: 'rename', inputs: ['clean'], fields: { user: 'user_id' } },
      masked: { type: 'redact', inputs: ['named'], patterns: ['\\d{4}-\\d{4}-\\d{4}-\\d{4}'] },
      errors: { type: 'filter', inputs: ['masked'], field: 'level', pattern: '^error$' },
    },
    sinks: {
      all: { type: 'memory', inputs: ['masked'] },
      alerts: { type: 'memory', inputs: ['errors'] },
      raw: { type: 'memory', inputs: ['app'] },
    },
  });
  const all = fwd.memory.get('all');
  const alerts = fwd.memory.get('alerts');
  await waitFor(() => all?.events.length === 2 && alerts?.events.length === 1, { what: 'events' });
  const first = all?.events[0] as Record<string, unknown>;
  t.equal(first.pod, 'web-7');
  t.equal(first.namespace, 'default');
  t.equal(first.user_id, 'u1');
  t.notOk('token' in first);
  t.equal(alerts?.events[0]?.message, 'card [REDACTED] declined');
  t.equal(fwd.memory.get('raw')?.events[0]?.token, 'abc', 'other branches see the event unchanged');
  t.same(fwd.memory.get('all')?.ids, fwd.memory.get('raw')?.ids, 'ids come from file identity and offset');
  await waitFor(
    () => {
      const s = fwd.pipeline.status() as { sources: { app: { files: { offset: number; lag_bytes: number }[] } } };
      return s.sources.app.files[0]?.lag_bytes === 0 ? s : undefined;
    },
    { what: 'lag 0' },
  );
  const m = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_dropped_events_total');
  t.match(m, /reason="filter",component="errors"\} 1/);
});

t.test('backpressure: a blocked sink pauses reading at the in-flight cap; memory does not follow the backlog', async (t) => {
  const { dir, log, include } = await logsDir(t);
  await writeFile(log, numbered('p', 1, 200_000, ' some padding for a realistic line length'));
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    max_in_flight_bytes: 1048576,
    sources: { app: { type: 'file', include, ...fast, read_chunk_bytes: 65536 } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  mem?.block();
  await waitFor(() => fwd.pipeline.inFlightBytes > 0, { what: 'reading' });
  // Reading stops at the cap: the sink's lane waits for room.
  const readOffset = () => [...(fwd.pipeline.sources.get('app')?.tailers.values() ?? [])][0]?.readOffset ?? 0;
  const waiting = () => (fwd.pipeline.status() as { sinks: Record<string, { waiting_for_room: boolean }> }).sinks.mem?.waiting_for_room;
  await waitFor(waiting, { what: 'reading paused' });
  const stalled = readOffset();
  const deliveredBytes = (mem?.events.length ?? 0) * 50; // acknowledged before block() took effect
  t.ok(stalled - deliveredBytes <= 1048576 + 65537, `read ${stalled - deliveredBytes} bytes past the acknowledged ones while blocked`);
  t.ok(stalled < (200_000 * 50) / 2, 'far from the whole backlog');
  t.ok(fwd.pipeline.inFlightBytes <= 1048576 + 65537);
  mem?.unblock();
  await waitFor(() => (mem?.events.length ?? 0) >= 200_000, { timeoutMs: 30_000, what: 'all delivered' });
  t.equal(mem?.events.length, 200_000);
});

t.test('start_at: end skips what files hold at the first start; files appearing later are read from 0', async (t) => {
  const { dir, log, include } = await logsDir(t);
  await writeFile(log, numbered('old', 1, 50));
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include, ...fast, start_at: 'end' } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  });
  const mem = fwd.memory.get('mem');
  await appendFile(log, numbered('new', 1, 5));
  await writeFile(path.join(dir, 'logs', 'later.log'), numbered('later', 1, 3));
  await waitFor(() => (mem?.events.length ?? 0) >= 8, { what: 'new lines' });
  t.same(mem?.messages().sort(), [...numbered('later', 1, 3).trim().split('\n'), ...numbered('new', 1, 5).trim().split('\n')].sort());
  const text = await fwd.metrics.metrics();
  t.match(
    text,
    new RegExp(
      `outrigger_log_forwarder_read_bytes_total\\{source="app",file="${log.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\} ${5 * 11}`,
    ),
  );
  t.match(text, /outrigger_log_forwarder_lag_bytes\{source="app",file="[^"]+"\} \d+/);
  t.match(text, /outrigger_log_forwarder_sink_acked_events_total\{sink="mem"\} 8/);
  t.match(text, /outrigger_log_forwarder_open_files 2/);
});
