#!/usr/bin/env node
// Installs the workspace with the pinned pnpm (no global install needed: npx fetches it) and
// builds every package. Idempotent and quick when nothing changed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Outrigger needs Node.js >= 20.18; this is ${process.version}`);
  process.exit(1);
}
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
run(npx, ['-y', packageManager, 'install', '--frozen-lockfile', '--reporter=append-only']);
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);
run(process.execPath, [join(root, 'scripts/bundle.mjs')]);
