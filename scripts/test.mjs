#!/usr/bin/env node
// Runs every test (tap, on the compiled tests) and ends with one line: `N passed, N failed`.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tap = join(root, 'node_modules/tap/dist/esm/run.mjs');
const child = spawn(process.execPath, [tap, '--reporter=base', '--no-color', ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('exit', (code, signal) => {
  const summary = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, todo: \d+)?(?:, skip: (\d+))?/.exec(tail);
  const [, total = '0', pass = '0', fail, skip] = summary ?? [];
  const failed = fail !== undefined ? Number(fail) : Number(total) - Number(pass) - Number(skip ?? 0);
  const broken = code !== 0 && failed === 0 ? 1 : failed;
  console.log(`\n${pass} passed, ${broken} failed${skip ? `, ${skip} skipped` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
