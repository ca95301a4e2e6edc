// Node.js flags a sidecar is meant to run with (package.json "outrigger.nodeFlags"): heap
// settings cannot be changed from inside a running process, so the bundle's hashbang, the demo,
// the benchmarks and the container images pass them on the command line.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function nodeFlags(sidecar) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', sidecar, 'package.json'), 'utf8'));
  return pkg.outrigger?.nodeFlags ?? [];
}
