#!/usr/bin/env node
// Peak RSS of the api-adapter against `body.max_buffered_bytes`: for each cap, a fresh adapter
// (its outrigger.nodeFlags) transforms the 1,000-item list (164 KB) for many concurrent callers;
// reports req/s, the answers other than 2xx (the cap's are 503) and the adapter's peak RSS
// (VmHWM): whether the peak follows the cap, to size the cap against a memory limit.
// Usage: node bench/api-adapter/buffer-cap.mjs     CAPS=8,16,24,32,128 (MiB) CONNECTIONS=200 DURATION=8
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { adapterConfig, children, peakRssMb, start } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/api-adapter');
const autocannon = createRequire(join(pkg, 'package.json'))('autocannon');
const caps = (process.env.CAPS ?? '8,16,24,32,128').split(',').map(Number);
const connections = Number(process.env.CONNECTIONS ?? 200);
const duration = Number(process.env.DURATION ?? 8);
const bin = process.env.BIN ?? join(pkg, 'dist/bundle/api-adapter.mjs');
const MiB = 1024 * 1024;

const load = (url, seconds) =>
  new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: seconds, headers: { 'api-version': '2024-06-01' } }, (err, r) =>
      err ? reject(err) : resolve(r),
    ),
  );

const dir = mkdtempSync(join(tmpdir(), 'aa-buffer-cap-'));
try {
  const upstream = await start([join(here, 'upstream.mjs')]);
  for (const cap of caps) {
    const file = join(dir, `cap-${cap}.json`);
    writeFileSync(file, JSON.stringify(adapterConfig(upstream, { body: { max_buffered_bytes: cap * MiB } })));
    const adapter = await start([...nodeFlags('api-adapter'), bin, 'run', '-c', file], { LOG_LEVEL: 'info' });
    const child = children.at(-1);
    await load(`http://${adapter}/invoices10`, 1);
    const idle = peakRssMb(child.pid);
    const r = await load(`http://${adapter}/invoices1000`, duration);
    console.log(
      JSON.stringify({
        bench: 'api-adapter-buffer-cap',
        cap_mib: cap,
        connections,
        req_s: Math.round(r.requests.average),
        ok: r['2xx'],
        non_2xx: r.non2xx,
        errors: r.errors,
        p99_ms: r.latency.p99,
        peak_rss_mb_before: idle,
        peak_rss_mb: peakRssMb(child.pid),
      }),
    );
    child.kill('SIGKILL');
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
