// The executable that starts a bundled sidecar, dist/bundle/<name>.mjs (see bundle.mjs): its
// hashbang carries the sidecar's Node flags; it refuses a Node.js older than `engines.node` with a
// clear message before the bundle (<name>.main.mjs) and its chunks load (they would fail on
// missing built-ins instead). It needs no build, so setup writes it before installing: the
// package's `bin` exists when pnpm links it.
//
// Node's module compile cache (module.enableCompileCache() here) was measured and left out: CPU
// to ready was the same with a warm cache (docs/benchmarks.md); V8 compiles the bundle's
// functions lazily, and those are not in the cache.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from './node-flags.mjs';
import { nodeFloor } from './node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every package with src/main.ts, and where its bundle goes. */
export function sidecars() {
  return readdirSync(join(root, 'packages'))
    .filter((name) => existsSync(join(root, 'packages', name, 'src/main.ts')))
    .map((name) => ({ name, dir: join(root, 'packages', name, 'dist/bundle'), flags: nodeFlags(name) }));
}

export function writeEntry({ name, dir, flags }) {
  const [major, minor, patch] = nodeFloor();
  const hashbang = flags.length > 0 ? `#!/usr/bin/env -S node ${flags.join(' ')}` : '#!/usr/bin/env node';
  const out = join(dir, `${name}.mjs`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    out,
    `${hashbang}
// Outrigger ${name}: checks the Node.js version before the sidecar (${name}.main.mjs) loads.
// Written by scripts/entry.mjs.
const [major, minor, patch] = process.versions.node.split('.').map(Number);
if (major !== ${major} ? major < ${major} : minor !== ${minor} ? minor < ${minor} : patch < ${patch}) {
  console.error(\`${name} needs Node.js >= ${major}.${minor}.${patch}; this is \${process.version}\`);
  process.exit(1);
}
await import('./${name}.main.mjs');
`,
  );
  chmodSync(out, 0o755);
}
