#!/usr/bin/env node
// Bundles each sidecar (every package with src/main.ts) for running: dist/bundle/<name>.main.mjs
// is the whole sidecar in one file, and dist/bundle/<name>.mjs the executable that starts it. One
// file starts about twice as fast as the module graph it replaces (docs/benchmarks.md): what a pod
// waits for on every start. Images ship the bundles.
//
// The entry runs before the bundle is compiled: it refuses a Node.js older than `engines.node`
// with a clear message, then turns on Node's module compile cache, so that a restart loads the
// bundle's compiled code from disk instead of compiling 2 MB of JavaScript again. The cache goes
// to $NODE_COMPILE_CACHE, else Node's default (os.tmpdir()/node-compile-cache); it stays off,
// silently, when that directory is not writable (a read-only root filesystem) or when
// NODE_DISABLE_COMPILE_CACHE=1.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeFlags } from './node-flags.mjs';
import { nodeFloor } from './node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor, patch] = nodeFloor();
const entries = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const main = join(root, 'packages', name, 'dist/src/main.js');
  if (existsSync(main)) entries.push({ name, main, dir: join(root, 'packages', name, 'dist/bundle'), flags: nodeFlags(name) });
}
// The runtime's test sidecar, for the start-up benchmark.
entries.push({
  name: 'example-sidecar',
  main: join(root, 'packages/runtime/dist/test/fixtures/example-sidecar.js'),
  dir: join(root, 'packages/runtime/dist/bundle'),
  flags: [],
});

await Promise.all(
  entries.map(({ name, main, dir }) =>
    build({
      entryPoints: [main],
      outfile: join(dir, `${name}.main.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${major}.${minor}`,
      sourcemap: 'linked',
      logLevel: 'warning',
      external: ['fsevents'],
      // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
      banner: {
        js: "import { createRequire as __outriggerRequire } from 'node:module'; const require = __outriggerRequire(import.meta.url);",
      },
    }),
  ),
);

// Run as an executable, the entry starts node with the sidecar's flags (see node-flags.mjs).
for (const { name, dir, flags } of entries) {
  const main = join(dir, `${name}.main.mjs`);
  writeFileSync(main, readFileSync(main, 'utf8').replace(/^#!.*\n/, ''));
  const hashbang = flags.length > 0 ? `#!/usr/bin/env -S node ${flags.join(' ')}` : '#!/usr/bin/env node';
  const out = join(dir, `${name}.mjs`);
  writeFileSync(
    out,
    `${hashbang}
// Outrigger ${name}: checks the Node.js version and turns on the module compile cache before the
// sidecar (${name}.main.mjs) is loaded. Written by scripts/bundle.mjs.
import module from 'node:module';

const [major, minor, patch] = process.versions.node.split('.').map(Number);
if (major !== ${major} ? major < ${major} : minor !== ${minor} ? minor < ${minor} : patch < ${patch}) {
  console.error(\`${name} needs Node.js >= ${major}.${minor}.${patch}; this is \${process.version}\`);
  process.exit(1);
}
module.enableCompileCache();
await import('./${name}.main.mjs');
`,
  );
  chmodSync(out, 0o755);
}
