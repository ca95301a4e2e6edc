// The raw-socket data path prototype (bench/egress-proxy/raw-path.mjs) keeps refusing what the
// listener refuses: its check script throws the RFC 9112 hygiene and smuggling cases at it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot } from './repo-root.js';

t.test('bench/egress-proxy/raw-path-check.mjs: every case refused or relayed as the listener does', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bench/egress-proxy/raw-path-check.mjs')], {
    timeout: 60_000,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
  t.notMatch(stdout, /FAIL/, stdout);
  t.match(stdout, /^\d+ passed, 0 failed$/m);
});
