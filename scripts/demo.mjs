#!/usr/bin/env node
// The demo. Until the demo pod lands, it shows each built sidecar's --help.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sidecars = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'dist/bundle', `${name}.mjs`)),
);
if (sidecars.length === 0) {
  console.error('no sidecar is built yet (run npm run build)');
  process.exit(1);
}
for (const name of sidecars) {
  console.log(`\n$ ${name} --help`);
  execFileSync(process.execPath, [join(root, 'packages', name, 'dist/bundle', `${name}.mjs`), '--help'], { stdio: 'inherit' });
}
