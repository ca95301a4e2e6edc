// The bundles' entry (scripts/entry.mjs): the sidecar's Node flags in its hashbang, and it starts
// the bundled sidecar.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const entry = join(repoRoot, 'packages/log-forwarder/dist/bundle/log-forwarder.mjs');

t.test('the hashbang carries the flags of outrigger.nodeFlags', async (t) => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'packages/log-forwarder/package.json'), 'utf8'));
  const [hashbang] = (await readFile(entry, 'utf8')).split('\n');
  t.equal(hashbang, `#!/usr/bin/env -S node ${pkg.outrigger.nodeFlags.join(' ')}`);
});

t.test('the entry starts the bundled sidecar', async (t) => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [entry, '--version']);
  t.match(stdout, /^log-forwarder \d+\.\d+\.\d+/);
  t.equal(stderr, '');
});
