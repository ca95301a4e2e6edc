#!/usr/bin/env node
// Every sink of the log-forwarder with its default config, against a 2,000,000-line backlog of
// ~215-byte nginx access-log lines (they contain quotes), beside rsyslog (imfile → omfile and
// imfile → omfwd) and a naive Node pipeline, in the same run. Prints one JSON line per case and
// run, then medians and the ratios to rsyslog. LINES=… backlog size, RUNS=3 for medians,
// CASES=… to pick cases (the names in CASE_NAMES below), BINS=old=/tmp/old.mjs,new=… to measure
// several builds of the bundle in the same run (default: the bundle that ships; BIN=… for one).
// NODE_ARGS=… adds Node flags to every forwarder, SOURCE_EXTRA / SINK_EXTRA / FORWARDER_EXTRA (JSON)
// keys to its source / sink / top-level config; with a `_<label>` suffix each applies to one of BINS only (the same
// build under two labels compares flags or settings in one run).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import {
  elasticsearchCounter,
  fileLineCounter,
  freePort,
  httpCounter,
  lokiCounter,
  makeBacklog,
  measure,
  otlpCounter,
  startRsyslog,
  tcpCounter,
  waitUntil,
  writeForwarderConfig,
} from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// What ships: the one-file bundle (BIN=… to measure another build, BINS=label=path,… for several).
const shipped = join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const BINS = (process.env.BINS ?? `${process.env.BIN ? 'bin' : 'shipped'}=${process.env.BIN ?? shipped}`).split(',').map((b) => {
  const at = b.indexOf('=');
  return { label: b.slice(0, at), path: b.slice(at + 1) };
});
const LINES = Number(process.env.LINES ?? 2_000_000);
const RUNS = Number(process.env.RUNS ?? 1);
const CASE_NAMES = [
  'file',
  'socket',
  'socket-json',
  'syslog',
  'http',
  'http-gzip',
  'loki',
  'elasticsearch',
  'otlp',
  'rsyslog-omfile',
  'rsyslog-omfwd',
  'naive',
];
const CASES = (process.env.CASES ?? CASE_NAMES.join(',')).split(',');
for (const c of CASES) if (!CASE_NAMES.includes(c)) throw new Error(`unknown case ${c}; one of ${CASE_NAMES.join(', ')}`);

const work = mkdtempSync(join(tmpdir(), 'lf-bench-sinks-'));
const logs = join(work, 'logs');
mkdirSync(logs);
const backlog = join(logs, 'app.log');
await makeBacklog(backlog, LINES);

/** The JSON config keys of env `name`, then of `name_<label>` for this build. */
function extra(name, bin) {
  return { ...JSON.parse(process.env[name] ?? '{}'), ...JSON.parse(process.env[`${name}_${bin.label}`] ?? '{}') };
}

/** A forwarder with one sink (`sink`: its required keys only, so every other key has its default). */
function forwarder(bin, name, sink) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const config = writeForwarderConfig(join(dir, 'config.json'), join(dir, 'state'), {
    sources: { app: { type: 'file', include: [join(logs, '*.log')], start_at: 'beginning', ...extra('SOURCE_EXTRA', bin) } },
    sinks: { out: { inputs: ['app'], ...sink, ...extra('SINK_EXTRA', bin) } },
    ...extra('FORWARDER_EXTRA', bin),
  });
  const args = [
    ...nodeFlags('log-forwarder'),
    ...(process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : []),
    ...(process.env[`NODE_ARGS_${bin.label}`]?.split(' ') ?? []),
    bin.path,
    'run',
    '-c',
    config,
  ];
  return () => spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function listening(port) {
  return waitUntil(
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
}

const rsyslogImfile = (dir) => `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imfile")
template(name="msgonly" type="string" string="%msg%\\n")
input(type="imfile" File="${backlog}" Tag="app" freshStartTail="off" readMode="0")
`;

/** The forwarder cases: [case, label, receiver factory → { sink, count, close }]. */
const sinkCases = [
  [
    'file',
    'tail → file (json lines)',
    async (name) => {
      const out = join(work, `${name}.jsonl`);
      return { sink: { type: 'file', path: out }, count: fileLineCounter(out), close: () => rmSync(out, { force: true }) };
    },
  ],
  ['socket', 'tail → socket (tcp, default encoding: raw)', tcpSink({})],
  ['socket-json', 'tail → socket (tcp, json lines)', tcpSink({ encoding: 'json' })],
  [
    'syslog',
    'tail → syslog (tcp, octet counting) into rsyslog',
    async (name) => {
      const dir = join(work, `${name}-rsyslog`);
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
      await listening(port);
      return { sink: { type: 'syslog', address: `127.0.0.1:${port}` }, count: fileLineCounter(out), close: () => rsyslog.kill('SIGTERM') };
    },
  ],
  ['http', 'tail → http (ndjson)', httpSink('none')],
  ['http-gzip', 'tail → http (ndjson, compression: gzip)', httpSink('gzip')],
  [
    'loki',
    'tail → loki (test server)',
    async () => {
      const rx = await lokiCounter();
      return {
        sink: { type: 'loki', endpoint: `http://127.0.0.1:${rx.port}`, labels: { app: 'bench' } },
        count: rx.count,
        close: rx.close,
      };
    },
  ],
  [
    'elasticsearch',
    'tail → elasticsearch (test server)',
    async () => {
      const rx = await elasticsearchCounter();
      return {
        sink: { type: 'elasticsearch', endpoint: `http://127.0.0.1:${rx.port}`, index: 'logs-bench' },
        count: rx.count,
        close: rx.close,
      };
    },
  ],
  [
    'otlp',
    'tail → otlp (strict test receiver)',
    async () => {
      const rx = await otlpCounter();
      return {
        sink: { type: 'otlp', endpoint: `http://127.0.0.1:${rx.port}` },
        count: rx.count,
        close: () => {
          if (rx.state.rejected) console.error(`otlp: ${rx.state.rejected} requests rejected by the strict decoder`);
          return rx.close();
        },
      };
    },
  ],
];

function tcpSink(extra) {
  return async () => {
    const rx = await tcpCounter();
    return { sink: { type: 'socket', address: `127.0.0.1:${rx.port}`, ...extra }, count: () => rx.state.count, close: rx.close };
  };
}

function httpSink(compression) {
  return async () => {
    const rx = await httpCounter();
    return {
      sink: { type: 'http', endpoint: `http://127.0.0.1:${rx.port}/ingest`, ...(compression === 'gzip' ? { compression } : {}) },
      count: () => rx.state.count,
      close: rx.close,
    };
  };
}

const results = [];
for (let run = 0; run < RUNS; run++) {
  for (const [key, label, receiver] of sinkCases) {
    if (!CASES.includes(key)) continue;
    for (const bin of BINS) {
      const name = `${key}-${bin.label}-${run}`;
      const rx = await receiver(name);
      const caseName = BINS.length > 1 ? `${label} [${bin.label}]` : label;
      results.push({ key, bin: bin.label, ...(await measure(caseName, LINES, forwarder(bin, name, rx.sink), rx.count)) });
      await rx.close();
    }
  }
  if (CASES.includes('rsyslog-omfile')) {
    const dir = join(work, `rsyslog-omfile-${run}`);
    const out = join(dir, 'out.log');
    const conf = `${rsyslogImfile(dir)}action(type="omfile" file="${out}" template="msgonly" asyncWriting="on" ioBufferSize="1m" flushOnTXEnd="off")\n`;
    results.push({
      key: 'rsyslog-omfile',
      ...(await measure('rsyslog (imfile → omfile)', LINES, () => startRsyslog(dir, conf), fileLineCounter(out))),
    });
    rmSync(dir, { recursive: true, force: true });
  }
  if (CASES.includes('rsyslog-omfwd')) {
    const rx = await tcpCounter();
    const dir = join(work, `rsyslog-omfwd-${run}`);
    const conf = `${rsyslogImfile(dir)}action(type="omfwd" target="127.0.0.1" port="${rx.port}" protocol="tcp" template="msgonly")\n`;
    results.push({
      key: 'rsyslog-omfwd',
      ...(await measure(
        'rsyslog (imfile → omfwd tcp)',
        LINES,
        () => startRsyslog(dir, conf),
        () => rx.state.count,
      )),
    });
    await rx.close();
  }
  if (CASES.includes('naive')) {
    const rx = await tcpCounter();
    const script = `
      import { createReadStream } from 'node:fs'; import { connect } from 'node:net'; import { createInterface } from 'node:readline';
      const s = connect(${rx.port}, '127.0.0.1'); await new Promise((r) => s.once('connect', r));
      for await (const line of createInterface({ input: createReadStream(${JSON.stringify(backlog)}) })) { if (!s.write(line + '\\n')) await new Promise((r) => s.once('drain', r)); }
      setInterval(() => {}, 1000);`;
    results.push({
      key: 'naive',
      ...(await measure(
        'naive Node (createReadStream → split → socket write)',
        LINES,
        () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }),
        () => rx.state.count,
      )),
    });
    await rx.close();
  }
}

// Medians per case, and lines/s against rsyslog's in the same run (file: omfile, socket: omfwd).
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const byCase = new Map();
for (const r of results) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
const medians = new Map();
for (const [name, rs] of byCase) {
  const m = {
    lines_per_s: median(rs.map((r) => r.lines_per_s)),
    cpu_s_per_million: median(rs.map((r) => r.cpu_s_per_million)),
    peak_rss_mb: median(rs.map((r) => r.peak_rss_mb)),
    peak_anon_mb: median(rs.map((r) => r.peak_anon_mb)),
  };
  medians.set(name, { key: rs[0].key, bin: rs[0].bin, ...m });
  console.log(
    JSON.stringify({
      bench: 'log-forwarder-sinks',
      case: name,
      runs: rs.length,
      median: m,
      load_avg_1m: median(rs.map((r) => r.load_avg_1m)),
    }),
  );
}
const anchor = (key) => [...medians.values()].find((m) => m.key === key)?.lines_per_s;
for (const [name, m] of medians) {
  const ref = m.key === 'file' ? anchor('rsyslog-omfile') : m.key === 'socket' ? anchor('rsyslog-omfwd') : undefined;
  if (ref)
    console.log(JSON.stringify({ bench: 'log-forwarder-sinks', case: name, vs_rsyslog: Math.round((m.lines_per_s / ref) * 100) / 100 }));
}
console.log(JSON.stringify({ bench: 'log-forwarder-sinks', load_avg: loadavg().map((l) => Math.round(l * 100) / 100) }));
rmSync(work, { recursive: true, force: true });
