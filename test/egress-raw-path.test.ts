// The RFC 9112 hygiene and smuggling cases of bench/egress-proxy/raw-path-check.mjs, thrown at the
// raw-socket data path prototype (bench/egress-proxy/raw-path.mjs) and at the egress-proxy's own
// listener (--product): both keep refusing what the listener refuses.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

for (const [name, args] of [
  ['the prototype', []],
  ['the egress-proxy', ['--product']],
] as const) {
  t.test(`bench/egress-proxy/raw-path-check.mjs against ${name}: every case refused or relayed as the listener does`, async (t) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bench/egress-proxy/raw-path-check.mjs'), ...args], {
      timeout: 60_000,
    }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
    t.notMatch(stdout, /FAIL/, stdout);
    t.match(stdout, /^\d+ passed, 0 failed$/m);
  });
}
