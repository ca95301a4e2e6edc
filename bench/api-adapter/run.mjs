#!/usr/bin/env node
// api-adapter throughput, all in one run (autocannon, keep-alive, 50 connections):
//   direct to the upstream · through the adapter on an unmatched route · through
//   @fastify/http-proxy (the anchor) · through the adapter on matched routes with 10 and 1,000
//   items (every item transformed by four operations).
// Then the in-process body-transform cost vs a bare JSON.parse + JSON.stringify (transform.mjs).
// Usage: node bench/api-adapter/run.mjs        DURATION=5 CONNECTIONS=50 to change the load.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/api-adapter');
const require = createRequire(join(pkg, 'package.json'));
const autocannon = require('autocannon');
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 50);
const children = [];

function start(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      for (const line of buf.split('\n')) {
        try {
          const j = JSON.parse(line);
          if (j.port) return resolve(`127.0.0.1:${j.port}`);
          if (j.msg === 'listening' && j.listener === 'data') return resolve(j.address);
        } catch {}
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

function loadFor(url, seconds, headers = { 'api-version': '2024-06-01' }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}
const load = (url) => loadFor(url, duration);

const dir = mkdtempSync(join(tmpdir(), 'aa-bench-'));
try {
  const upstream = await start([join(here, 'upstream.mjs')]);
  const change = (endpoints) => ({
    description: 'cents, statuses, name split, rename',
    endpoints,
    body: [
      { type: 'convert', path: '/data/*/amount', from: 'decimal_string', to: 'integer_cents' },
      { type: 'map_values', path: '/data/*/status', map: { open: 'pending', paid: 'settled' } },
      {
        type: 'split',
        from: '/data/*/customer/name',
        into: ['/data/*/customer/given_name', '/data/*/customer/family_name'],
        separator: ' ',
      },
      { type: 'rename', from: '/data/*/created', to: '/data/*/created_at' },
    ],
  });
  const config = {
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    probes: { listen: '127.0.0.1:0' },
    log: { level: 'warn' },
    upstream: { url: `http://${upstream}`, version: '2023-01-01' },
    versions: [{ version: '2024-06-01', changes: [change(['GET /invoices10', 'GET /invoices1000'])] }, { version: '2023-01-01' }],
  };
  writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
  const adapterLog = start([process.env.BIN ?? join(pkg, 'dist/bundle/api-adapter.mjs'), 'run', '-c', join(dir, 'c.json')], {
    LOG_LEVEL: 'info',
  });
  const adapter = await adapterLog;
  const fastify = await start([join(here, 'fastify-proxy.mjs')], { UPSTREAM: `http://${upstream}` });

  const runs = [
    ['direct', `http://${upstream}/plain10`],
    ['adapter unmatched (pass-through)', `http://${adapter}/plain10`],
    ['@fastify/http-proxy pass-through', `http://${fastify}/plain10`],
    ['direct 1000 items', `http://${upstream}/plain1000`],
    ['adapter unmatched 1000 items', `http://${adapter}/plain1000`],
    ['@fastify/http-proxy 1000 items', `http://${fastify}/plain1000`],
    ['adapter matched 10 items', `http://${adapter}/invoices10`],
    ['adapter matched 1000 items', `http://${adapter}/invoices1000`],
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
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
execFileSync(process.execPath, ['--expose-gc', join(here, 'transform.mjs')], { stdio: 'inherit' });
