#!/usr/bin/env node
// Acceptance 4 at full size: a 1,000,000-line run into the Elasticsearch test server (which
// de-duplicates by _id as Elasticsearch does for `create`) with KILLS random SIGKILLs while the app
// keeps writing. Prints lost / duplicate counts (both must be 0) and how many lines were re-sent.
// LINES=… KILLS=… to change the size.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { waitUntil, writeForwarderConfig } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// What ships: the one-file bundle (BIN=… to measure another build).
const bin = process.env.BIN ?? join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const { ElasticsearchTestServer } = await import(join(here, '../../packages/log-forwarder/dist/test/servers/elasticsearch.js'));
const LINES = Number(process.env.LINES ?? 1_000_000);
const KILLS = Number(process.env.KILLS ?? 20);

const work = mkdtempSync(join(tmpdir(), 'lf-bench-sigkill-'));
mkdirSync(join(work, 'logs'));
const es = await new ElasticsearchTestServer().listen();
const config = writeForwarderConfig(join(work, 'config.json'), join(work, 'state'), {
  checkpoint_interval_ms: 50,
  sources: { app: { type: 'file', include: [join(work, 'logs', '*.log')] } },
  sinks: {
    search: {
      type: 'elasticsearch',
      inputs: ['app'],
      endpoint: es.url,
      index: 'logs-app',
      concurrency: 4,
      batch: { max_events: 1000, timeout_ms: 20 },
    },
  },
});
const perRound = Math.ceil(LINES / (KILLS + 1));
let written = 0;
const started = Date.now();
for (let round = 0; round <= KILLS; round++) {
  const count = Math.min(perRound, LINES - written);
  let text = '';
  for (let i = written; i < written + count; i++) text += `app-${String(i).padStart(8, '0')} ${'x'.repeat(200)}\n`;
  appendFileSync(join(work, 'logs', 'app.log'), text);
  written += count;
  const child = spawn(process.execPath, [...nodeFlags('log-forwarder'), bin, 'run', '-c', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const before = es.docs('logs-app').size;
  if (round < KILLS) {
    await waitUntil(() => es.docs('logs-app').size > before, 60_000, 2);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 500)));
    child.kill('SIGKILL');
  } else {
    await waitUntil(() => es.docs('logs-app').size >= written, 600_000);
    child.kill('SIGTERM');
  }
  await new Promise((r) => child.once('exit', r));
}
const docs = es.docs('logs-app');
const keys = new Set([...docs.values()].map((d) => String(d.source.message).slice(0, 12)));
const resent = [...es.attempts.values()].filter((n) => n > 1).length;
console.log(
  JSON.stringify({
    bench: 'log-forwarder-sinks',
    case: 'SIGKILL loop into the Elasticsearch test server',
    lines: LINES,
    kills: KILLS,
    stored: docs.size,
    lost: LINES - keys.size,
    duplicates_stored: docs.size - keys.size,
    lines_sent_more_than_once: resent,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  }),
);
await es.close();
rmSync(work, { recursive: true, force: true });
