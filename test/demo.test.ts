// The README's first command runs this demo; it must keep working end to end.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

t.test('the demo pod behaves', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts/demo.mjs')], { timeout: 90_000 });
  t.notMatch(stdout, /✘/, 'no check failed');
  t.match(stdout, /given_name":"Ada","family_name":"Lovelace"/);
  t.match(stdout, /The demo pod behaved\./);
});
