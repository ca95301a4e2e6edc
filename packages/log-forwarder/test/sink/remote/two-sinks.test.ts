/**
 * Acceptance 5: two sinks, one down → the other keeps receiving; after a restart the down one gets
 * its backlog and the healthy one gets no repeats (the checkpoint keeps per-sink offsets).
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { ElasticsearchTestServer } from '../../servers/elasticsearch.js';
import { LokiTestServer } from '../../servers/loki.js';
import { bin, key, scrape, workDir, writeLines } from './fixtures.js';

const N = 20_000;
const WIDTH = 100;

interface SinkStatus {
  health: { healthy: boolean; reason?: string };
  lag_bytes: number;
  pipeline_in_flight_bytes: number;
}
interface Status {
  detail: {
    in_flight_bytes: number;
    sources: { app: { files: { path: string; rotated: boolean; sinks: Record<string, { offset: number }> }[] } };
    sinks: Record<string, SinkStatus>;
  };
}
const status = async (adminUrl: string) => (await (await fetch(`${adminUrl}/status`)).json()) as Status;

/** Ids sent to Elasticsearch in the bulks from `from` on, with how often each was sent. */
function sentIds(es: ElasticsearchTestServer, from: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of es.bulks.slice(from)) for (const id of b.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

t.test('5. one sink down: the other keeps receiving; after a restart the backlog goes only where it is missing', async (t) => {
  const { logs, state } = await workDir(t);
  const es = await new ElasticsearchTestServer().listen();
  t.teardown(() => es.close());
  const loki = new LokiTestServer();
  loki.down = true;
  await loki.listen();
  t.teardown(() => loki.close());
  const config = {
    state_dir: state,
    checkpoint_interval_ms: 50,
    sources: { app: { type: 'file', include: [join(logs, '*.log')], poll_interval_ms: 50 } },
    sinks: {
      search: { type: 'elasticsearch', inputs: ['app'], endpoint: es.url, index: 'logs-app', batch: { timeout_ms: 20 } },
      loki: {
        type: 'loki',
        inputs: ['app'],
        endpoint: loki.url,
        labels: { app: 'checkout' },
        encoding: 'raw',
        batch: { timeout_ms: 20 },
        retry: { initial_backoff_ms: 50, max_backoff_ms: 200 },
      },
    },
    shutdown: { drain_timeout_ms: 1000 },
    log: { level: 'warn' },
  };
  const log = join(logs, 'app.log');
  await writeLines(log, 'app', 0, N, WIDTH);
  const first = await spawnSidecar({ bin, config });
  t.teardown(() => first.stop('SIGKILL').catch(() => undefined));
  await waitFor(() => es.docs('logs-app').size === N, { timeoutMs: 60_000, what: 'Elasticsearch got every line while Loki is down' });
  t.equal((await fetch(`${first.probeUrl}/readyz`)).status, 200, 'a sink down does not make the forwarder unready');
  t.match((await status(first.adminUrl)).detail.sinks.loki, { health: { healthy: false } }, '/status shows the sink down');
  t.equal(await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_healthy', { sink: 'loki' }), 0);
  t.equal(await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_healthy', { sink: 'search' }), 1);
  // Per-sink lag: the whole file for Loki, nothing for Elasticsearch.
  await waitFor(async () => (await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_lag_bytes', { sink: 'search' })) === 0, {
    what: 'search lag 0',
  });
  t.equal(await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_lag_bytes', { sink: 'loki' }), N * WIDTH);
  const s = await status(first.adminUrl);
  t.equal(s.detail.sinks.loki?.lag_bytes, N * WIDTH, '/status: Loki lags by the whole file');
  t.equal(s.detail.sinks.search?.lag_bytes, 0, '/status: Elasticsearch is caught up');
  t.equal(loki.entries.length, 0);
  const exit = await first.stop('SIGTERM');
  t.equal(exit.signal, null, 'exited on SIGTERM within the drain deadline');
  const cp = JSON.parse(await readFile(join(state, 'checkpoints.json'), 'utf8')) as {
    files: { offset: number; sinks: Record<string, number> }[];
  };
  t.equal(cp.files.length, 1);
  t.equal(cp.files[0]?.offset, 0, 'committed offset: the minimum, never ahead of Loki');
  t.same(cp.files[0]?.sinks, { search: N * WIDTH, loki: 0 }, 'the checkpoint keeps each sink its own offset');

  const bulksBefore = es.bulks.length;
  loki.down = false;
  const second = await spawnSidecar({ bin, config });
  t.teardown(() => second.stop('SIGKILL').catch(() => undefined));
  // New lines written after the restart go to both.
  const M = 1000;
  await writeLines(log, 'app', N, M, WIDTH);
  await waitFor(() => loki.entries.length >= N + M && es.docs('logs-app').size >= N + M, {
    timeoutMs: 60_000,
    what: 'Loki got the backlog and both the new lines',
  });
  await second.stop('SIGTERM');
  t.equal(loki.entries.length, N + M, 'Loki: every line once');
  t.equal(new Set(loki.entries.map((e) => key(e.line))).size, N + M);
  t.equal(es.docs('logs-app').size, N + M, 'Elasticsearch: every line stored exactly once');
  const resent = sentIds(es, bulksBefore);
  let repeats = 0;
  for (const n of resent.values()) repeats += n - 1;
  t.equal(resent.size, M, 'Elasticsearch: after the restart only the new lines were sent (none of the backlog again)');
  t.equal(repeats, 0, 'Elasticsearch: no id sent twice');
});

t.test('5b. one sink down for longer than the pipeline cap holds: the other keeps receiving, rotations included', async (t) => {
  const { logs, state } = await workDir(t);
  const es = await new ElasticsearchTestServer().listen();
  t.teardown(() => es.close());
  const loki = new LokiTestServer();
  loki.down = true;
  await loki.listen();
  t.teardown(() => loki.close());
  const CAP = 262_144;
  const READ = 65_536;
  const config = {
    state_dir: state,
    max_in_flight_bytes: CAP,
    sources: {
      app: { type: 'file', include: [join(logs, '*.log')], read_chunk_bytes: READ, poll_interval_ms: 50, rotate_wait_ms: 100 },
    },
    sinks: {
      search: { type: 'elasticsearch', inputs: ['app'], endpoint: es.url, index: 'logs-app', batch: { timeout_ms: 20 } },
      loki: {
        type: 'loki',
        inputs: ['app'],
        endpoint: loki.url,
        labels: { app: 'x' },
        encoding: 'raw',
        max_in_flight_bytes: 65_536,
        batch: { timeout_ms: 20 },
        retry: { initial_backoff_ms: 50, max_backoff_ms: 200 },
      },
    },
    shutdown: { drain_timeout_ms: 2000 },
    log: { level: 'warn' },
  };
  // 2 MB of lines: eight times the pipeline's in-flight cap.
  const log = join(logs, 'app.log');
  await writeLines(log, 'app', 0, N, WIDTH);
  const fwd = await spawnSidecar({ bin, config });
  t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
  await waitFor(() => es.docs('logs-app').size === N, { timeoutMs: 60_000, what: 'every line in Elasticsearch while Loki is down' });
  // Memory stays bounded: Loki's lane stopped at its share; the rest of its backlog stays in the file.
  const s = await status(fwd.adminUrl);
  t.ok(s.detail.in_flight_bytes <= CAP + READ + 1, `pipeline in flight ${s.detail.in_flight_bytes} ≤ cap`);
  t.equal(s.detail.sinks.loki?.lag_bytes, N * WIDTH, 'Loki lags by the whole file');

  // Rotate while Loki is down: the rotated file is read to its end for Elasticsearch, and stays
  // open (past rotate_wait_ms) because Loki still needs its bytes.
  await rename(log, `${log}.1`);
  await writeLines(log, 'app', N, N, WIDTH);
  await waitFor(() => es.docs('logs-app').size === 2 * N, { timeoutMs: 60_000, what: 'the new file in Elasticsearch while Loki is down' });
  await waitFor(
    async () => {
      const files = (await status(fwd.adminUrl)).detail.sources.app.files;
      return files.length === 2 && files.some((f) => f.rotated && f.sinks.search?.offset === N * WIDTH);
    },
    { what: 'the rotated file acknowledged by Elasticsearch, still open for Loki' },
  );
  t.equal(loki.entries.length, 0);

  // Loki comes back: its lanes read their backlog from the files (the same process, no restart).
  loki.down = false;
  await waitFor(() => loki.entries.length >= 2 * N, { timeoutMs: 60_000, what: 'Loki got its backlog from both files' });
  await waitFor(async () => (await status(fwd.adminUrl)).detail.sources.app.files.length === 1, {
    what: 'the rotated file closed once Loki acknowledged it',
  });
  await fwd.stop('SIGTERM');
  t.equal(loki.entries.length, 2 * N, 'Loki: every line once');
  t.equal(new Set(loki.entries.map((e) => key(e.line))).size, 2 * N);
  const sent = sentIds(es, 0);
  let repeats = 0;
  for (const n of sent.values()) repeats += n - 1;
  t.equal(sent.size, 2 * N, 'Elasticsearch: every line sent');
  t.equal(repeats, 0, 'Elasticsearch: none sent twice');
});
