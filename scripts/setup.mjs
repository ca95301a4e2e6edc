#!/usr/bin/env node
// Installs the workspace with the pinned pnpm (no global install needed: npx fetches it) and
// builds every package. Idempotent and quick when nothing changed. On a machine whose node is
// older than `engines.node`, it first fetches Node.js 24 for the workspace (see node-version.mjs).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sidecars, writeEntry } from './entry.mjs';
import { linkNode, provideNode } from './node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env });
const node = provideNode(run);
// pnpm (and what it runs) under that node too.
const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
// The sidecars' `bin` (their bundle's entry) must exist for pnpm to link it into node_modules/.bin.
for (const sidecar of sidecars()) writeEntry(sidecar);
run(npx, ['-y', packageManager, 'install', '--frozen-lockfile', '--reporter=append-only'], env);
linkNode(); // pnpm owns node_modules/.bin: link again after it
run(node, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);
run(node, [join(root, 'scripts/bundle.mjs')]);
