/**
 * Acceptance 5: two sinks, one down → the other keeps receiving; after a restart the down one gets
 * its backlog and the healthy one gets no repeats (the checkpoint keeps per-sink cursors).
 */
import { join } from 'node:path';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { ElasticsearchTestServer } from '../../servers/elasticsearch.js';
import { LokiTestServer } from '../../servers/loki.js';
import { bin, freePort, key, scrape, workDir, writeLines } from './fixtures.js';

const N = 20_000;

t.test('5. one sink down: the other keeps receiving; after a restart the backlog goes only where it is missing', async (t) => {
  const { logs, state } = await workDir(t);
  const es = await new ElasticsearchTestServer().listen();
  t.teardown(() => es.close());
  const lokiPort = await freePort();
  const loki = new LokiTestServer();
  t.teardown(() => loki.close());
  const config = {
    state_dir: state,
    checkpoint_interval_ms: 50,
    sources: { app: { type: 'file', include: [join(logs, '*.log')] } },
    sinks: {
      search: { type: 'elasticsearch', inputs: ['app'], endpoint: es.url, index: 'logs-app', batch: { timeout_ms: 20 } },
      loki: {
        type: 'loki',
        inputs: ['app'],
        endpoint: `http://127.0.0.1:${lokiPort}`,
        labels: { app: 'checkout' },
        encoding: 'raw',
        batch: { timeout_ms: 20 },
        retry: { initial_backoff_ms: 50, max_backoff_ms: 200 },
      },
    },
    shutdown: { drain_timeout_ms: 1000 },
    log: { level: 'warn' },
  };
  await writeLines(join(logs, 'app.log'), 'app', 0, N);
  const first = await spawnSidecar({ bin, config });
  t.teardown(() => first.stop('SIGKILL').catch(() => undefined));
  await waitFor(() => es.docs('logs-app').size === N, { timeoutMs: 60_000, what: 'Elasticsearch got every line while Loki is down' });
  const readiness = await fetch(`${first.adminUrl}/readyz`);
  t.equal(readiness.status, 503, '/readyz reflects the sink that is down');
  t.match(await readiness.text(), /loki/);
  t.equal(await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_healthy', { sink: 'loki' }), 0);
  t.equal(await scrape(first.adminUrl, 'outrigger_log_forwarder_sink_healthy', { sink: 'search' }), 1);
  t.equal(loki.entries.length, 0);
  const exit = await first.stop('SIGTERM');
  t.equal(exit.signal, null, 'exited on SIGTERM within the drain deadline');

  const bulksBefore = es.bulks.length;
  await loki.listen(lokiPort);
  const second = await spawnSidecar({ bin, config });
  t.teardown(() => second.stop('SIGKILL').catch(() => undefined));
  await waitFor(() => loki.entries.length >= N, { timeoutMs: 60_000, what: 'Loki got the backlog' });
  await second.stop('SIGTERM');
  t.equal(loki.entries.length, N, 'Loki: every line once');
  t.equal(new Set(loki.entries.map((e) => key(e.line))).size, N);
  t.equal(es.docs('logs-app').size, N, 'Elasticsearch: still every line stored exactly once');
  // Strictly no re-send needs the pipeline to resume each sink from its own cursor (the checkpoint
  // records them under `sinks`); until then the re-sent lines are collapsed by `create` + `_id`.
  const resent = es.bulks.slice(bulksBefore).reduce((n, b) => n + b.ids.length, 0);
  t.equal(resent, 0, 'Elasticsearch: no line sent again after the restart', {
    todo: 'issue 3 pipeline: resume each sink from its own cursor after a restart',
  });
});

t.test('5b. one sink down for longer than the pipeline cap holds: the other keeps receiving', async (t) => {
  const { logs, state } = await workDir(t);
  const es = await new ElasticsearchTestServer().listen();
  t.teardown(() => es.close());
  const lokiPort = await freePort();
  const config = {
    state_dir: state,
    max_in_flight_bytes: 262_144,
    sources: { app: { type: 'file', include: [join(logs, '*.log')], read_chunk_bytes: 65_536 } },
    sinks: {
      search: { type: 'elasticsearch', inputs: ['app'], endpoint: es.url, index: 'logs-app', batch: { timeout_ms: 20 } },
      loki: { type: 'loki', inputs: ['app'], endpoint: `http://127.0.0.1:${lokiPort}`, labels: { app: 'x' }, max_in_flight_bytes: 65_536 },
    },
    shutdown: { drain_timeout_ms: 500 },
    log: { level: 'warn' },
  };
  // 2 MB of lines: eight times the pipeline's in-flight cap.
  await writeLines(join(logs, 'app.log'), 'app', 0, N);
  const fwd = await spawnSidecar({ bin, config });
  t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
  const all = await waitFor(() => es.docs('logs-app').size === N, { timeoutMs: 5000, what: 'every line in Elasticsearch' }).then(
    () => true,
    () => false,
  );
  t.ok(all, `Elasticsearch got ${es.docs('logs-app').size} of ${N} lines while Loki was down`, {
    todo: 'issue 3 pipeline: a sink at its cap must fall behind (re-read from the file later) instead of holding the shared in-flight cap',
  });
  await fwd.stop('SIGTERM');
});
