#!/usr/bin/env node
// Soak: no line lost under real logrotate `create` rotations, an app that reopens its log for
// every write (so logrotate's create races it and keeps `.backup` files), and random SIGKILLs of
// the forwarder (restarted from its checkpoint each time). Each run ends by letting the forwarder
// catch up, then compares what is on disk with what arrived in the file sink.
//
// Per run it prints one JSON line: written, on_disk (less than written only when logrotate itself
// renamed over a `.backup` of the same hour), delivered, lost (lines on disk never delivered: must
// be 0), duplicates (at-least-once repeats after a kill), rotations, kills. Exit 1 if any run lost
// a line.
//
//   RUNS=30 DURATION_MS=20000 ROTATE_MS=2000 KILL_MIN_MS=1000 KILL_MAX_MS=4000 node bench/log-forwarder/soak.mjs
//   BIN=… another forwarder build (default: the shipped bundle).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { waitUntil, writeForwarderConfig } from '../log-forwarder-sinks/common.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.BIN ?? join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const RUNS = Number(process.env.RUNS ?? 30);
const DURATION_MS = Number(process.env.DURATION_MS ?? 20_000);
const ROTATE_MS = Number(process.env.ROTATE_MS ?? 2_000);
const KILL_MIN_MS = Number(process.env.KILL_MIN_MS ?? 1_000);
const KILL_MAX_MS = Number(process.env.KILL_MAX_MS ?? 4_000);
const CATCH_UP_MS = Number(process.env.CATCH_UP_MS ?? 60_000);

// The app: open, append one line, close — in bursts, until SIGTERM; prints its count.
const WRITER = `
const fs = require('node:fs');
const [file, prefix] = process.argv.slice(1);
let n = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 20; k++) fs.appendFileSync(file, prefix + '-' + String(++n).padStart(8, '0') + ' reopened for every write\\n');
}, 2);
process.on('SIGTERM', () => { clearInterval(timer); process.stdout.write(n + '\\n'); process.exit(0); });
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const between = (a, b) => a + Math.random() * (b - a);

function startForwarder(configPath) {
  const child = spawn(process.execPath, [...nodeFlags('log-forwarder'), bin, 'run', '-c', configPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return child;
}

async function stop(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await once(child, 'exit').catch(() => {});
}

function linesOf(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function soak(index) {
  const work = mkdtempSync(join(tmpdir(), 'lf-soak-'));
  const logs = join(work, 'logs');
  mkdirSync(logs);
  const log = join(logs, 'app.log');
  writeFileSync(log, '');
  const out = join(work, 'out.jsonl');
  const configPath = writeForwarderConfig(join(work, 'forwarder.json'), join(work, 'state'), {
    sources: { app: { type: 'file', include: [join(logs, '*.log')], poll_interval_ms: 50, rescan_interval_ms: 250 } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
  });
  const conf = join(work, 'logrotate.conf');
  writeFileSync(conf, `${log} {\n  rotate 100000\n  create\n  missingok\n  nocompress\n}\n`, { mode: 0o644 });
  const state = join(work, 'logrotate.state');

  const prefix = `run${index}`;
  const writer = spawn(process.execPath, ['-e', WRITER, log, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  let writerOut = '';
  writer.stdout.setEncoding('utf8').on('data', (c) => {
    writerOut += c;
  });
  let forwarder = startForwarder(configPath);
  let rotations = 0;
  let kills = 0;
  let running = true;

  const rotating = (async () => {
    while (running) {
      await sleep(ROTATE_MS);
      if (!running) break;
      // On the race logrotate says "destination ... already exists" and exits 1: expected here.
      await run('logrotate', ['-f', '-s', state, conf]).catch(() => {});
      rotations++;
    }
  })();
  const killing = (async () => {
    while (running) {
      await sleep(between(KILL_MIN_MS, KILL_MAX_MS));
      if (!running) break;
      await stop(forwarder, 'SIGKILL');
      kills++;
      await sleep(between(100, 500));
      forwarder = startForwarder(configPath);
    }
  })();

  await sleep(DURATION_MS);
  running = false;
  await Promise.all([rotating, killing]);
  writer.kill('SIGTERM');
  await once(writer, 'exit');
  const written = Number(writerOut.trim());

  const onDisk = new Set();
  for (const name of readdirSync(logs)) for (const l of linesOf(join(logs, name))) onDisk.add(l);
  const delivered = () => {
    const counts = new Map();
    for (const l of linesOf(out)) {
      try {
        const m = JSON.parse(l).message;
        counts.set(m, (counts.get(m) ?? 0) + 1);
      } catch {
        // a torn last line after a kill is rewritten by the next start
      }
    }
    return counts;
  };
  let counts = delivered();
  await waitUntil(
    () => {
      counts = delivered();
      for (const l of onDisk) if (!counts.has(l)) return false;
      return true;
    },
    CATCH_UP_MS,
    250,
  );
  await stop(forwarder, 'SIGTERM');
  counts = delivered();
  let lost = 0;
  for (const l of onDisk) if (!counts.has(l)) lost++;
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates += n - 1;
  const result = {
    bench: 'log-forwarder-soak',
    run: index,
    written,
    on_disk: onDisk.size,
    delivered: counts.size,
    lost,
    duplicates,
    rotations,
    kills,
    backups: readdirSync(logs).filter((n) => n.endsWith('.backup')).length,
  };
  console.log(JSON.stringify(result));
  if (lost === 0) rmSync(work, { recursive: true, force: true });
  else console.error(`run ${index}: ${lost} lines lost; kept ${work}`);
  return result;
}

const results = [];
for (let i = 1; i <= RUNS; i++) results.push(await soak(i));
const failed = results.filter((r) => r.lost > 0).length;
console.log(
  JSON.stringify({
    bench: 'log-forwarder-soak',
    summary: true,
    runs: RUNS,
    runs_with_loss: failed,
    lines_written: results.reduce((n, r) => n + r.written, 0),
    kills: results.reduce((n, r) => n + r.kills, 0),
    rotations: results.reduce((n, r) => n + r.rotations, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
  }),
);
process.exitCode = failed > 0 ? 1 : 0;
