#!/usr/bin/env node
// Bundles each sidecar (every package with src/main.ts) for running: dist/bundle/<name>.main.mjs
// is the sidecar (with chunks/ for what it loads lazily), and dist/bundle/<name>.mjs the
// executable that starts it (entry.mjs). One file starts about twice as fast as the module graph
// it replaces (docs/benchmarks.md): what a pod waits for on every start. Images ship the bundles.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundlePlugins } from './bundle-plugins.mjs';
import { sidecars, writeEntry } from './entry.mjs';

import { nodeFloor } from './node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = nodeFloor();
const punycodeFile = createRequire(join(root, 'packages/inject/package.json')).resolve('punycode/');
const entries = sidecars().map((s) => ({ ...s, main: join(root, 'packages', s.name, 'dist/src/main.js') }));
// The runtime's test sidecar, for the start-up benchmark.
entries.push({
  name: 'example-sidecar',
  main: join(root, 'packages/runtime/dist/test/fixtures/example-sidecar.js'),
  dir: join(root, 'packages/runtime/dist/bundle'),
  flags: [],
});

// Chunk names carry a content hash: clear the old ones, or every build's would pile up (and ship).
for (const { dir } of entries) rmSync(join(dir, 'chunks'), { recursive: true, force: true });

await Promise.all(
  entries.map(({ name, main, dir }) =>
    build({
      entryPoints: [{ in: main, out: `${name}.main` }],
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      // Code behind a dynamic import() (the `outrigger` program's sidecars, lazily loaded parts)
      // goes into chunks that load only when used.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${major}.${minor}`,
      // Whitespace and comments out: V8 keeps a script's source in memory for lazy compilation, and
      // comments with non-Latin-1 characters made it two bytes per character. Names stay;
      // `node --enable-source-maps` maps stack traces back to the sources.
      minifyWhitespace: true,
      sourcemap: 'linked',
      logLevel: 'warning',
      external: ['fsevents'],
      // `require('punycode')` (uri-js and ajv-formats, under outrigger-inject's schema validation)
      // is Node's deprecated built-in, which prints DEP0040 at use: the userland package instead.
      alias: { punycode: punycodeFile },
      plugins: bundlePlugins,
      // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
      banner: {
        js: "import { createRequire as __outriggerRequire } from 'node:module'; const require = __outriggerRequire(import.meta.url);",
      },
    }),
  ),
);

for (const entry of entries) {
  // The sources' `#!/usr/bin/env node` is the entry's business.
  const main = join(entry.dir, `${entry.name}.main.mjs`);
  writeFileSync(main, readFileSync(main, 'utf8').replace(/^#!.*\n/, ''));
  writeEntry(entry);
}
