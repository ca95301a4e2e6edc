// After setup, the sidecars run as the README shows them: `node_modules/.bin/<sidecar>` (what
// `npx <sidecar>` finds) is each package's bundle, started with its Node flags.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const sidecars = readdirSync(join(repoRoot, 'packages')).filter((name) => existsSync(join(repoRoot, 'packages', name, 'src/main.ts')));
// The shims run the `node` next to them or on PATH: this one.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` };

t.ok(sidecars.length >= 3, 'the three sidecars have a main');
for (const name of sidecars) {
  t.test(`node_modules/.bin/${name} --version`, async (t) => {
    const { stdout } = await promisify(execFile)(join(repoRoot, 'node_modules/.bin', name), ['--version'], { env });
    t.match(stdout.trim(), new RegExp(`^${name} \\d+\\.\\d+\\.\\d+`));
  });
}
