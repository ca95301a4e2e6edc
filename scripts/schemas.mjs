#!/usr/bin/env node
// Writes each sidecar's published JSON Schema to packages/<name>/config.schema.json (for
// `# yaml-language-server: $schema=...`). test/schemas.test.ts fails when one is out of date.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reRunUnderSupportedNode } from './node-version.mjs';

await reRunUnderSupportedNode();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const name of readdirSync(join(root, 'packages'))) {
  const main = join(root, 'packages', name, 'dist/src/main.js');
  if (!existsSync(main)) continue;
  const schema = execFileSync(process.execPath, [main, 'schema'], { encoding: 'utf8' });
  writeFileSync(join(root, 'packages', name, 'config.schema.json'), schema);
  console.log(`packages/${name}/config.schema.json`);
}
