#!/usr/bin/env node
// api-adapter throughput, all in one run (autocannon, keep-alive, 50 connections):
//   direct to the upstream · through the adapter on an unmatched route · through
//   @fastify/http-proxy (the anchor) · through the adapter on matched routes with 10 and 1,000
//   items (every item transformed by four operations).
// Then the in-process body-transform cost vs a bare JSON.parse + JSON.stringify (transform.mjs).
// Usage: node bench/api-adapter/run.mjs        DURATION=5 CONNECTIONS=50 to change the load.
// The adapter runs with its package's outrigger.nodeFlags (NODE_FLAGS="..." instead); with
// COMPARE_FLAGS="..." a second adapter with those flags is measured beside it in the same run.
// Each adapter's peak RSS (VmHWM) is printed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { adapterConfig, children, peakRssMb, start } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/api-adapter');
const require = createRequire(join(pkg, 'package.json'));
const autocannon = require('autocannon');
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 50);
const flagList = (s) => s.split(/\s+/).filter(Boolean);
const flags = process.env.NODE_FLAGS !== undefined ? flagList(process.env.NODE_FLAGS) : nodeFlags('api-adapter');
const compare = process.env.COMPARE_FLAGS !== undefined ? flagList(process.env.COMPARE_FLAGS) : undefined;

function loadFor(url, seconds, headers = { 'api-version': '2024-06-01' }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}
const load = (url) => loadFor(url, duration);

const dir = mkdtempSync(join(tmpdir(), 'aa-bench-'));
try {
  const upstream = await start([join(here, 'upstream.mjs')]);
  const config = adapterConfig(upstream);
  writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
  const bin = process.env.BIN ?? join(pkg, 'dist/bundle/api-adapter.mjs');
  const startAdapter = (f) => start([...f, bin, 'run', '-c', join(dir, 'c.json')], { LOG_LEVEL: 'info' });
  const adapter = await startAdapter(flags);
  const adapterPid = children.at(-1).pid;
  const other = compare && (await startAdapter(compare));
  const otherPid = other ? children.at(-1).pid : undefined;
  const fastify = await start([join(here, 'fastify-proxy.mjs')], { UPSTREAM: `http://${upstream}` });
  const label = (f) => (f.length ? f.join(' ') : 'no flags');

  const runs = [
    ['direct', `http://${upstream}/plain10`],
    ['adapter unmatched (pass-through)', `http://${adapter}/plain10`],
    ...(other ? [[`adapter pass-through, ${label(compare)}`, `http://${other}/plain10`]] : []),
    ['@fastify/http-proxy pass-through', `http://${fastify}/plain10`],
    ['direct 1000 items', `http://${upstream}/plain1000`],
    ['adapter unmatched 1000 items', `http://${adapter}/plain1000`],
    ...(other ? [[`adapter 1000 items, ${label(compare)}`, `http://${other}/plain1000`]] : []),
    ['@fastify/http-proxy 1000 items', `http://${fastify}/plain1000`],
    ['adapter matched 10 items', `http://${adapter}/invoices10`],
    ...(other ? [[`adapter matched 10 items, ${label(compare)}`, `http://${other}/invoices10`]] : []),
    ['adapter matched 1000 items', `http://${adapter}/invoices1000`],
    ...(other ? [[`adapter matched 1000 items, ${label(compare)}`, `http://${other}/invoices1000`]] : []),
  ];
  const results = {};
  // Warm every target up (JIT, connection pools) before measuring anything.
  for (const [, url] of runs) await loadFor(url, 1);
  for (const [name, url] of runs) {
    const r = await load(url);
    results[name] = r.requests.average;
    console.log(
      JSON.stringify({
        bench: 'api-adapter',
        run: name,
        req_s: Math.round(r.requests.average),
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        errors: r.errors + r.non2xx,
        connections,
        duration_s: duration,
      }),
    );
  }
  console.log(
    JSON.stringify({
      bench: 'api-adapter',
      ratio_passthrough_vs_fastify_10: +(results['adapter unmatched (pass-through)'] / results['@fastify/http-proxy pass-through']).toFixed(
        2,
      ),
      ratio_passthrough_vs_fastify_1000: +(results['adapter unmatched 1000 items'] / results['@fastify/http-proxy 1000 items']).toFixed(2),
    }),
  );
  console.log(JSON.stringify({ bench: 'api-adapter', flags: label(flags), peak_rss_mb: peakRssMb(adapterPid) }));
  if (other) console.log(JSON.stringify({ bench: 'api-adapter', flags: label(compare), peak_rss_mb: peakRssMb(otherPid) }));
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
execFileSync(process.execPath, ['--expose-gc', join(here, 'transform.mjs')], { stdio: 'inherit' });
