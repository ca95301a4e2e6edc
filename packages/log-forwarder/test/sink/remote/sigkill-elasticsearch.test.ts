/**
 * Acceptance 4: many random SIGKILLs during a run into the Elasticsearch test server (which
 * de-duplicates by `_id` as Elasticsearch does for `create`) → zero lines lost, zero duplicates
 * stored. Scaled down here (LF_SIGKILL_LINES, LF_SIGKILL_KILLS); the 1,000,000-line run is
 * `bench/log-forwarder-sinks/sigkill-es.mjs`.
 */
import { join } from 'node:path';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { ElasticsearchTestServer } from '../../servers/elasticsearch.js';
import { bin, key, workDir, writeLines } from './fixtures.js';

const LINES = Number(process.env.LF_SIGKILL_LINES ?? 40_000);
const KILLS = Number(process.env.LF_SIGKILL_KILLS ?? 8);

t.test('4. random SIGKILLs while shipping to Elasticsearch: nothing lost, nothing stored twice', async (t) => {
  const { logs, state } = await workDir(t);
  const es = await new ElasticsearchTestServer().listen();
  t.teardown(() => es.close());
  const config = {
    state_dir: state,
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include: [join(logs, '*.log')] } },
    sinks: {
      search: {
        type: 'elasticsearch',
        inputs: ['app'],
        endpoint: es.url,
        index: 'logs-app',
        concurrency: 4,
        batch: { max_events: 500, timeout_ms: 10 },
      },
    },
    log: { level: 'warn' },
  };
  // The app keeps writing while the forwarder is killed and restarted.
  const perRound = Math.ceil(LINES / (KILLS + 1));
  let written = 0;
  let killedMidway = 0;
  for (let round = 0; round <= KILLS; round++) {
    const count = Math.min(perRound, LINES - written);
    await writeLines(join(logs, 'app.log'), 'app', written, count);
    written += count;
    const before = es.docs('logs-app').size;
    const fwd = await spawnSidecar({ bin, config });
    t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
    if (round < KILLS) {
      // Kill at a random point of this round's delivery.
      const target = before + 1 + Math.floor((written - before) * Math.random() * 0.6);
      await waitFor(() => es.docs('logs-app').size >= target, { timeoutMs: 30_000, intervalMs: 2, what: 'delivery under way' });
      await fwd.stop('SIGKILL');
      if (es.docs('logs-app').size < written) killedMidway++;
    } else {
      await waitFor(() => es.docs('logs-app').size >= written, { timeoutMs: 60_000, what: 'every line stored' });
      await fwd.stop('SIGTERM');
    }
  }
  const docs = es.docs('logs-app');
  t.equal(written, LINES);
  t.equal(docs.size, LINES, 'zero lines lost, zero duplicates stored');
  const keys = new Set([...docs.values()].map((d) => key(String(d.source.message))));
  t.equal(keys.size, LINES, 'every line present once (by content)');
  const resent = [...es.attempts.values()].filter((n) => n > 1).length;
  t.ok(killedMidway >= KILLS / 2, `${killedMidway} of ${KILLS} kills landed mid-delivery`);
  // Without re-sends the two checks above could not tell deterministic ids from random ones.
  t.ok(resent > 0, `${resent} lines were sent more than once and collapsed by create + _id`);
});
