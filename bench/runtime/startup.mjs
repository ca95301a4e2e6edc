#!/usr/bin/env node
// Start-to-ready time of the runtime's example sidecar: from spawn() to the first 200 on /readyz.
// Usage: node bench/runtime/startup.mjs [runs=10]
//   BIN=<file>                  what to start (default: the module graph; the bundle's entry is
//                               packages/runtime/dist/bundle/example-sidecar.mjs)
//   COMPILE_CACHE=off|cold|warm  Node's module compile cache: off, an empty cache at every start,
//                               or one cache filled by a first (uncounted) start. Default: as
//                               the environment has it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, readyz } from './readyz.mjs';

const runs = Number(process.argv[2] ?? 10);
const bin = process.env.BIN ?? fileURLToPath(new URL('../../packages/runtime/dist/test/fixtures/example-sidecar.js', import.meta.url));

const mode = process.env.COMPILE_CACHE;
if (mode !== undefined && !['off', 'cold', 'warm'].includes(mode)) throw new Error(`COMPILE_CACHE must be off, cold or warm, got ${mode}`);
const dir = await mkdtemp(join(tmpdir(), 'outrigger-bench-'));
const { NODE_COMPILE_CACHE: _, NODE_DISABLE_COMPILE_CACHE: __, ...inherited } = process.env;
function envFor(i) {
  if (mode === undefined) return process.env;
  if (mode === 'off') return { ...inherited, NODE_DISABLE_COMPILE_CACHE: '1' };
  return { ...inherited, NODE_COMPILE_CACHE: join(dir, mode === 'cold' ? `cache-${i}` : 'cache') };
}
const times = [];
try {
  for (let i = mode === 'warm' ? -1 : 0; i < runs; i++) {
    const port = await freePort();
    const config = join(dir, 'config.yaml');
    await writeFile(config, `admin: { listen: "127.0.0.1:${port}" }\nprobes: { listen: "" }\n`);
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, 'run', '-c', config], { stdio: 'ignore', env: envFor(i) });
    while (!(await readyz(port))) await new Promise((r) => setTimeout(r, 1));
    if (i >= 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
const bare = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  bare.push(Number(process.hrtime.bigint() - start) / 1e6);
}
bare.sort((a, b) => a - b);
const bareMedian = bare[Math.floor(bare.length / 2)];
console.log(
  JSON.stringify({
    bench: 'runtime-startup',
    runs,
    compile_cache: mode ?? 'default',
    median_ms: +median.toFixed(1),
    min_ms: +times[0].toFixed(1),
    max_ms: +times.at(-1).toFixed(1),
    node_bare_median_ms: +bareMedian.toFixed(1),
    ratio_to_bare_node: +(median / bareMedian).toFixed(2),
    node: process.version,
  }),
);
