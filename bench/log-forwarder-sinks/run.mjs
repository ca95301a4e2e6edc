#!/usr/bin/env node
// tail → socket / http / syslog against a 2,000,000-line backlog of ~215-byte lines, beside
// rsyslog (imfile → omfwd) and a naive Node pipeline (createReadStream → split → socket write),
// in the same run. Prints one JSON line per case. LINES=… to change the backlog size,
// CASES=socket,http,http-gzip,syslog,rsyslog,naive to pick cases, RUNS=3 for medians.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { fileLineCounter, freePort, httpCounter, makeBacklog, measure, startRsyslog, tcpCounter, waitUntil } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// What ships: the one-file bundle (BIN=… to measure another build).
const bin = process.env.BIN ?? join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const LINES = Number(process.env.LINES ?? 2_000_000);
const RUNS = Number(process.env.RUNS ?? 1);
const CASES = (process.env.CASES ?? 'socket,naive,rsyslog,http,http-gzip,syslog').split(',');

const work = mkdtempSync(join(tmpdir(), 'lf-bench-sinks-'));
const logs = join(work, 'logs');
mkdirSync(logs);
const backlog = join(logs, 'app.log');
await makeBacklog(backlog, LINES);

function forwarder(name, sink) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      admin: { listen: '127.0.0.1:0' },
      log: { level: 'warn' },
      state_dir: join(dir, 'state'),
      sources: { app: { type: 'file', include: [join(logs, '*.log')], start_at: 'beginning' } },
      sinks: { out: { inputs: ['app'], ...sink, ...JSON.parse(process.env.SINK_EXTRA ?? '{}') } },
      ...JSON.parse(process.env.FORWARDER_EXTRA ?? '{}'),
    }),
  );
  return () =>
    spawn(
      process.execPath,
      [...nodeFlags('log-forwarder'), ...(process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : []), bin, 'run', '-c', config],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
}

const results = [];
for (let run = 0; run < RUNS; run++) {
  if (CASES.includes('socket')) {
    const rx = await tcpCounter();
    results.push(
      await measure(
        'tail → socket (tcp, raw)',
        LINES,
        forwarder(`socket-${run}`, { type: 'socket', address: `127.0.0.1:${rx.port}`, encoding: 'raw' }),
        () => rx.state.count,
      ),
    );
    await rx.close();
  }
  if (CASES.includes('naive')) {
    const rx = await tcpCounter();
    const script = `
      import { createReadStream } from 'node:fs'; import { connect } from 'node:net'; import { createInterface } from 'node:readline';
      const s = connect(${rx.port}, '127.0.0.1'); await new Promise((r) => s.once('connect', r));
      for await (const line of createInterface({ input: createReadStream(${JSON.stringify(backlog)}) })) { if (!s.write(line + '\\n')) await new Promise((r) => s.once('drain', r)); }
      setInterval(() => {}, 1000);`;
    results.push(
      await measure(
        'naive Node (createReadStream → split → socket write)',
        LINES,
        () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }),
        () => rx.state.count,
      ),
    );
    await rx.close();
  }
  if (CASES.includes('rsyslog')) {
    const rx = await tcpCounter();
    const dir = join(work, `rsyslog-imfile-${run}`);
    const conf = `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imfile")
template(name="msgonly" type="string" string="%msg%\\n")
input(type="imfile" File="${backlog}" Tag="app" freshStartTail="off" readMode="0")
action(type="omfwd" target="127.0.0.1" port="${rx.port}" protocol="tcp" template="msgonly")
`;
    results.push(
      await measure(
        'rsyslog (imfile → omfwd tcp)',
        LINES,
        () => startRsyslog(dir, conf),
        () => rx.state.count,
      ),
    );
    await rx.close();
  }
  for (const gzip of [false, true]) {
    if (!CASES.includes(gzip ? 'http-gzip' : 'http')) continue;
    const rx = await httpCounter();
    results.push(
      await measure(
        `tail → http (ndjson, gzip ${gzip ? 'on' : 'off'})`,
        LINES,
        forwarder(`http-${gzip}-${run}`, {
          type: 'http',
          endpoint: `http://127.0.0.1:${rx.port}/ingest`,
          compression: gzip ? 'gzip' : 'none',
          batch: { max_events: 5000, max_bytes: 4194304 },
          concurrency: 2,
        }),
        () => rx.state.count,
      ),
    );
    await rx.close();
  }
  if (CASES.includes('syslog')) {
    const dir = join(work, `rsyslog-rx-${run}`);
    const port = await freePort();
    const out = join(dir, 'out.log');
    const rsyslog = await startRsyslog(
      dir,
      `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="${port}" address="127.0.0.1")
template(name="msgonly" type="string" string="%msg%\\n")
action(type="omfile" file="${out}" template="msgonly" asyncWriting="on" ioBufferSize="1m" flushOnTXEnd="off")
`,
    );
    const { connect } = await import('node:net');
    await waitUntil(
      () =>
        new Promise((r) => {
          const s = connect(port, '127.0.0.1');
          s.once('connect', () => {
            s.destroy();
            r(true);
          });
          s.once('error', () => r(false));
        }),
      10_000,
    );
    const counted = fileLineCounter(out);
    results.push(
      await measure(
        'tail → syslog (tcp, octet counting) into rsyslog',
        LINES,
        forwarder(`syslog-${run}`, { type: 'syslog', address: `127.0.0.1:${port}`, batch: { max_events: 5000, max_bytes: 4194304 } }),
        counted,
      ),
    );
    rsyslog.kill('SIGTERM');
  }
}
if (RUNS > 1) {
  const byCase = new Map();
  for (const r of results) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  for (const [name, rs] of byCase) {
    const median = (k) => rs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
    console.log(
      JSON.stringify({
        bench: 'log-forwarder-sinks',
        case: name,
        runs: rs.length,
        median: { lines_per_s: median('lines_per_s'), cpu_s_per_million: median('cpu_s_per_million'), peak_rss_mb: median('peak_rss_mb') },
      }),
    );
  }
}
rmSync(work, { recursive: true, force: true });
