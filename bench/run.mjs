#!/usr/bin/env node
// Runs every benchmark: bench/runtime/*.mjs and each bench/<name>/run.mjs.
// Usage: npm run bench [-- <name> ...]   (names: runtime, and the folders under bench/)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reRunUnderSupportedNode } from '../scripts/node-version.mjs';

await reRunUnderSupportedNode();

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const run = (script, env = {}) => execFileSync(process.execPath, [script], { stdio: 'inherit', env: { ...process.env, ...env } });

if (wanted.length === 0 || wanted.includes('runtime')) {
  run(join(here, 'runtime/startup.mjs'));
  run(join(here, 'runtime/startup.mjs'), { BIN: join(here, '../packages/runtime/dist/bundle/example-sidecar.mjs') });
  run(join(here, 'runtime/logger.mjs'));
}
for (const name of readdirSync(here)) {
  const script = join(here, name, 'run.mjs');
  if (existsSync(script) && (wanted.length === 0 || wanted.includes(name))) run(script);
}
