#!/usr/bin/env node
// Where a sidecar's idle memory goes: runs each bundle (with its Node flags) on the footprint
// configs with bench/footprint/probe.mjs preloaded, and 5 s after /readyz answered 200 reports
// RSS split into anonymous and file-backed pages (/proc/PID/status), the V8 heap by space, the
// modules it loaded (bundle chunks; whether Node's internal undici was loaded) and start-to-ready.
// The probe itself costs ~1 MB and a few ms; use run.mjs for the figures to compare against.
// Usage: node bench/footprint/breakdown.mjs [sidecar...]
//   BUNDLES=dir   bundles from dir/<name>/<name>.mjs instead of packages/<name>/dist/bundle
//   FLAGS="..."   Node flags instead of the sidecar's outrigger.nodeFlags
//   RUNS=3 IDLE_MS=5000
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { freePort, readyz } from '../runtime/readyz.mjs';
import { sections, shutdown } from './configs.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(new URL('./probe.mjs', import.meta.url));
const runs = Number(process.env.RUNS ?? 3);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const names = process.argv.length > 2 ? process.argv.slice(2) : ['log-forwarder', 'egress-proxy', 'api-adapter', 'outrigger'];
const bundle = (name) =>
  process.env.BUNDLES ? join(process.env.BUNDLES, name, `${name}.mjs`) : join(root, 'packages', name, 'dist/bundle', `${name}.mjs`);
const flagsOf = (name) => (process.env.FLAGS !== undefined ? process.env.FLAGS.split(/\s+/).filter(Boolean) : nodeFlags(name));

async function procStatus(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0);
  return {
    rss_mb: +(kb('VmRSS') / 1024).toFixed(1),
    anon_mb: +(kb('RssAnon') / 1024).toFixed(1),
    file_mb: +(kb('RssFile') / 1024).toFixed(1),
  };
}

async function one(name, dir) {
  const port = await freePort();
  const config = join(dir, `${name}.json`);
  const all = sections(dir);
  const section = name === 'outrigger' ? all : all[name.replace(/-/g, '_')];
  await writeFile(config, JSON.stringify({ ...section, admin: { listen: `127.0.0.1:${port}` }, probes: { listen: '' }, shutdown }));
  const out = join(dir, `${name}.probe.json`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...flagsOf(name), '--import', probe, bundle(name), 'run', '-c', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FOOTPRINT_PROBE_OUT: out },
  });
  const deadline = Date.now() + 20_000;
  while (!(await readyz(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name}: not ready`);
    await new Promise((r) => setTimeout(r, 1));
  }
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, idleMs));
  const proc = await procStatus(child.pid);
  child.kill('SIGUSR2');
  let inside;
  for (let i = 0; i < 200 && !inside; i++) {
    await new Promise((r) => setTimeout(r, 10));
    inside = await readFile(out, 'utf8').then(JSON.parse, () => undefined);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { start_to_ready_ms: +startMs.toFixed(1), ...proc, ...inside };
}

const dir = await mkdtemp(join(tmpdir(), 'outrigger-breakdown-'));
await mkdir(join(dir, 'logs'));
try {
  for (const name of names) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await one(name, dir));
    results.sort((a, b) => a.rss_mb - b.rss_mb);
    const mid = results[Math.floor(results.length / 2)];
    const starts = results.map((r) => r.start_to_ready_ms).sort((a, b) => a - b);
    console.log(JSON.stringify({ sidecar: name, flags: flagsOf(name), ...mid, start_to_ready_ms: starts[Math.floor(starts.length / 2)] }));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
