#!/usr/bin/env node
// Bundles each sidecar (every package with src/main.ts) into one file, dist/bundle/<name>.mjs.
// One file starts about twice as fast as the module graph it replaces (measured in
// docs/benchmarks.md): what a pod waits for on every start. Images ship the bundles.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeFlags } from './node-flags.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const main = join(root, 'packages', name, 'dist/src/main.js');
  if (existsSync(main)) entries.push({ main, out: join(root, 'packages', name, 'dist/bundle', `${name}.mjs`), flags: nodeFlags(name) });
}
// The runtime's test sidecar, for the start-up benchmark.
entries.push({
  main: join(root, 'packages/runtime/dist/test/fixtures/example-sidecar.js'),
  out: join(root, 'packages/runtime/dist/bundle/example-sidecar.mjs'),
  flags: [],
});

await Promise.all(
  entries.map(({ main, out }) =>
    build({
      entryPoints: [{ in: main, out: basename(out, '.mjs') }],
      outdir: dirname(out),
      outExtension: { '.js': '.mjs' },
      // Code behind a dynamic import() (the `outrigger` program's sidecars, lazily loaded parts)
      // goes into chunks that load only when used.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.18',
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

// Run as an executable, a bundle starts node with the sidecar's flags (see node-flags.mjs).
for (const { out, flags } of entries) {
  const text = readFileSync(out, 'utf8').replace(/^#!.*\n/, '');
  const hashbang = flags.length > 0 ? `#!/usr/bin/env -S node ${flags.join(' ')}` : '#!/usr/bin/env node';
  writeFileSync(out, `${hashbang}\n${text}`);
  chmodSync(out, 0o755);
}
