#!/usr/bin/env node
// Runs every test (tap, on the compiled tests). Prints one line per test file, the whole TAP
// output of each failing file, and ends with one line: `N passed, N failed`.
// Extra arguments go to tap (e.g. a test file to run alone).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reRunUnderSupportedNode } from './node-version.mjs';

await reRunUnderSupportedNode();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tap = join(root, 'node_modules/tap/dist/esm/run.mjs');
const child = spawn(process.execPath, [tap, '--reporter=tap', ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});

let block = [];
let summary;
createInterface({ input: child.stdout }).on('line', (line) => {
  const top = /^(not )?ok \d+ - (.*)$/.exec(line);
  if (top) {
    console.log(top[1] ? `FAIL ${top[2]}` : `ok   ${top[2]}`);
    if (top[1]) console.log(block.join('\n'));
    block = [];
    return;
  }
  const total = /^# \{ total: (\d+)(.*)\}$/.exec(line);
  if (total) {
    const counts = Object.fromEntries([...`total: ${total[1]}${total[2]}`.matchAll(/(\w+): (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    summary = counts;
    return;
  }
  block.push(line);
});

child.on('exit', (code, signal) => {
  const { total = 0, pass = 0, fail, skip = 0, todo = 0 } = summary ?? {};
  let failed = fail ?? total - pass - skip - todo;
  if (code !== 0 && failed === 0) failed = 1; // tap itself failed (a crash, a timeout)
  console.log(`\n${pass} passed, ${failed} failed${skip ? `, ${skip} skipped` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
