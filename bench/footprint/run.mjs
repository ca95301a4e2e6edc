#!/usr/bin/env node
// Footprint of each sidecar bundle against a bare `node` of the same binary, in one run:
//   - idle RSS, read from /proc 5 s after /readyz first answered 200 (IDLE_MS to change);
//   - start to the first /readyz 200 (spawn → 200), the median of RUNS;
//   - the three sidecars in one process (`outrigger run`) against three processes.
// Each sidecar runs with its own Node flags (package.json outrigger.nodeFlags), as its bundle's
// hashbang and the image run it, on a config that opens its listeners and sources only (remote
// peers point at a closed port: idle means idle).
// Usage: node bench/footprint/run.mjs            (RUNS=5 IDLE_MS=5000)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { freePort, readyz } from '../runtime/readyz.mjs';
import { sections, shutdown } from './configs.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.env.RUNS ?? 5);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const bundle = (name) => join(root, 'packages', name, 'dist/bundle', `${name}.mjs`);

async function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Starts `args` (after node flags), waits for /readyz on `port`; returns { startMs, child }. */
async function start(flags, args, port) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...flags, ...args], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  while (!(await readyz(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${args.join(' ')}: not ready`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return { startMs: Number(process.hrtime.bigint() - t0) / 1e6, child };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
}

async function measure(name, flags, bin, section, dir) {
  const starts = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const config = join(dir, `${name}.json`);
    await writeFile(config, JSON.stringify({ ...section, admin: { listen: `127.0.0.1:${port}` }, probes: { listen: '' }, shutdown }));
    const { startMs, child } = await start(flags, [bin, 'run', '-c', config], port);
    starts.push(startMs);
    // RSS once per run would make this RUNS × 5 s; the first two runs say enough about idle memory.
    if (i < 2) {
      await new Promise((r) => setTimeout(r, idleMs));
      rss.push(await rssBytes(child.pid));
    }
    await stop(child);
  }
  return { start_ms: median(starts), idle_rss_bytes: median(rss) };
}

async function bareNode() {
  const rss = [];
  const starts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    starts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  for (let i = 0; i < 2; i++) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, idleMs));
    rss.push(await rssBytes(child.pid));
    await stop(child);
  }
  return { start_ms: median(starts), idle_rss_bytes: median(rss) };
}

const dir = await mkdtemp(join(tmpdir(), 'outrigger-footprint-'));
await mkdir(join(dir, 'logs'));
const mb = (b) => +(b / 1048576).toFixed(1);
try {
  const bare = await bareNode();
  const all = sections(dir);
  const rows = [];
  const names = ['log-forwarder', 'egress-proxy', 'api-adapter'];
  for (const name of names) {
    const m = await measure(name, nodeFlags(name), bundle(name), all[name.replace(/-/g, '_')], dir);
    rows.push({ sidecar: name, ...m });
  }
  const combined = await measure('outrigger', nodeFlags('outrigger'), bundle('outrigger'), all, dir);
  const three = rows.reduce((n, r) => n + r.idle_rss_bytes, 0);
  const result = {
    bench: 'footprint',
    node: process.version,
    runs,
    idle_ms: idleMs,
    bare_node: { idle_rss_mb: mb(bare.idle_rss_bytes), start_ms: +bare.start_ms.toFixed(1) },
    sidecars: rows.map((r) => ({
      sidecar: r.sidecar,
      idle_rss_mb: mb(r.idle_rss_bytes),
      rss_ratio_to_bare_node: +(r.idle_rss_bytes / bare.idle_rss_bytes).toFixed(2),
      start_to_ready_ms: +r.start_ms.toFixed(1),
    })),
    combined: {
      idle_rss_mb: mb(combined.idle_rss_bytes),
      three_processes_idle_rss_mb: mb(three),
      ratio_to_three_processes: +(combined.idle_rss_bytes / three).toFixed(2),
      start_to_ready_ms: +combined.start_ms.toFixed(1),
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
