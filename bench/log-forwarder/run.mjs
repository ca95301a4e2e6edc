#!/usr/bin/env node
// log-forwarder tailing: tail → blackhole and tail → file of a 2,000,000-line backlog of
// ~215-byte lines, beside rsyslog (imfile → omfile) and a naive Node pipeline
// (createReadStream → split → JSON.stringify per line → file), in the same run.
// Prints one JSON line per case and run, then medians. LINES=… backlog size, RUNS=3 (medians),
// CASES=blackhole,file,rsyslog,naive to pick cases, FORWARDER_EXTRA='{"max_in_flight_bytes":4194304}'
// to merge keys into the forwarder's config.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import {
  fileLineCounter,
  freePort,
  makeBacklog,
  procStats,
  startRsyslog,
  waitUntil,
  writeForwarderConfig,
} from '../log-forwarder-sinks/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// What ships: the one-file bundle (BIN=… to measure another build).
const bin = process.env.BIN ?? join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const LINES = Number(process.env.LINES ?? 2_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const CASES = (process.env.CASES ?? 'blackhole,file,rsyslog,naive').split(',');
// NODE_FLAGS="--max-semi-space-size=2" to try other heap settings than outrigger.nodeFlags.
const flags = process.env.NODE_FLAGS === undefined ? nodeFlags('log-forwarder') : process.env.NODE_FLAGS.split(' ').filter(Boolean);

const work = mkdtempSync(join(tmpdir(), 'lf-bench-tail-'));
const logs = join(work, 'logs');
mkdirSync(logs);
const backlog = join(logs, 'app.log');
await makeBacklog(backlog, LINES);

/** Spawns via `start()`, polls `count()` (sync) until every line arrived, samples CPU and peak RSS. */
async function measure(name, start, count) {
  const t0 = process.hrtime.bigint();
  const child = await start();
  let last = { cpu: 0, hwmKb: 0 };
  const ok = await waitUntil(
    () => {
      try {
        last = procStats(child.pid);
      } catch {}
      return count() >= LINES;
    },
    600_000,
    20,
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    last = procStats(child.pid);
  } catch {}
  child.kill('SIGKILL');
  await once(child, 'exit').catch(() => {});
  const result = {
    bench: 'log-forwarder',
    case: name,
    lines: LINES,
    complete: ok,
    seconds: Math.round(seconds * 100) / 100,
    lines_per_s: Math.round(count() / seconds),
    cpu_s_per_million: Math.round((last.cpu / (LINES / 1e6)) * 100) / 100,
    peak_rss_mb: Math.round(last.hwmKb / 1024),
  };
  console.log(JSON.stringify(result));
  return result;
}

async function forwarder(name, sink) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = writeForwarderConfig(join(dir, 'config.json'), join(dir, 'state'), {
    admin: { listen: `127.0.0.1:${port}` },
    sources: { app: { type: 'file', include: [join(logs, '*.log')] } },
    sinks: { out: { inputs: ['app'], ...sink } },
    ...JSON.parse(process.env.FORWARDER_EXTRA ?? '{}'),
  });
  // Acknowledged events from /metrics, polled in the background (count() must be synchronous).
  const acked = { n: 0, stop: false };
  const poll = async () => {
    while (!acked.stop) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const m = /outrigger_log_forwarder_sink_acked_events_total\{sink="out"\} (\d+)/.exec(text);
        if (m) acked.n = Number(m[1]);
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    start: () => {
      void poll();
      return spawn(process.execPath, [...flags, bin, 'run', '-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
    count: () => acked.n,
    done: () => {
      acked.stop = true;
    },
    dir,
  };
}

const results = [];
for (let run = 0; run < RUNS; run++) {
  if (CASES.includes('blackhole')) {
    const f = await forwarder(`blackhole-${run}`, { type: 'blackhole' });
    results.push(await measure('outrigger tail → blackhole', f.start, f.count));
    f.done();
  }
  if (CASES.includes('file')) {
    const out = join(work, `file-${run}.jsonl`);
    const f = await forwarder(`file-${run}`, { type: 'file', path: out });
    results.push(await measure('outrigger tail → file (json lines)', f.start, fileLineCounter(out)));
    f.done();
    rmSync(out, { force: true });
  }
  if (CASES.includes('rsyslog')) {
    const dir = join(work, `rsyslog-${run}`);
    const out = join(dir, 'out.log');
    const conf = `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imfile")
template(name="msgonly" type="string" string="%msg%\\n")
input(type="imfile" File="${backlog}" Tag="app" freshStartTail="off" readMode="0")
action(type="omfile" file="${out}" template="msgonly" asyncWriting="on" ioBufferSize="1m" flushOnTXEnd="off")
`;
    results.push(await measure('rsyslog (imfile → omfile)', () => startRsyslog(dir, conf), fileLineCounter(out)));
    rmSync(dir, { recursive: true, force: true });
  }
  if (CASES.includes('naive')) {
    const out = join(work, `naive-${run}.jsonl`);
    const script = `
      import { createReadStream, createWriteStream } from 'node:fs'; import { createInterface } from 'node:readline';
      const file = ${JSON.stringify(backlog)}; const out = createWriteStream(${JSON.stringify(out)});
      for await (const line of createInterface({ input: createReadStream(file) })) {
        if (!out.write(JSON.stringify({ message: line, timestamp: new Date().toISOString(), file }) + '\\n')) await new Promise((r) => out.once('drain', r));
      }
      setInterval(() => {}, 1000);`;
    results.push(
      await measure(
        'naive Node (createReadStream → split → JSON.stringify → file)',
        () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }),
        fileLineCounter(out),
      ),
    );
    rmSync(out, { force: true });
  }
}
if (RUNS > 1) {
  const byCase = new Map();
  for (const r of results) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  for (const [name, rs] of byCase) {
    const median = (k) => rs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
    console.log(
      JSON.stringify({
        bench: 'log-forwarder',
        case: name,
        runs: rs.length,
        median: { lines_per_s: median('lines_per_s'), cpu_s_per_million: median('cpu_s_per_million'), peak_rss_mb: median('peak_rss_mb') },
      }),
    );
  }
}
rmSync(work, { recursive: true, force: true });
