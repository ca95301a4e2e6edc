// The README's first command runs this demo; it must keep working end to end.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const demo = join(repoRoot, 'scripts/demo.mjs');

t.test('the demo pod behaves', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [demo], { timeout: 90_000 });
  t.notMatch(stdout, /✘/, 'no check failed');
  t.match(stdout, /given_name":"Ada","family_name":"Lovelace"/);
  t.match(stdout, /The demo pod behaved\./);
});

t.test('the demo pod behaves with the three sidecars in one process', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [demo, '--one-process'], { timeout: 90_000 });
  t.notMatch(stdout, /✘/, 'no check failed');
  t.match(stdout, /the sidecars in one process/);
  t.match(stdout, /✔ outrigger exited 0/);
  t.match(stdout, /given_name":"Ada","family_name":"Lovelace"/);
  t.match(stdout, /The demo pod behaved\./);
});

// Ctrl-C where no terminal turns it into a key press: SIGINT reaches the whole process group at once.
t.test('--serve stopped by SIGINT to its process group: every step passes, exit 0', async (t) => {
  const child = spawn(process.execPath, [demo, '--serve'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid as number;
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-pgid, 'SIGKILL');
  });
  // What the demo printed is the only clue when it never gets to serving: show it, then fail.
  await waitFor(() => out.includes('Serving:'), { timeoutMs: 90_000, what: 'the demo serving' }).catch((err: unknown) => {
    t.comment(out);
    throw err;
  });
  process.kill(-pgid, 'SIGINT');
  const code = await exited;
  t.equal(code, 0, 'the demo exits 0');
  if (code !== 0) t.comment(out);
  t.notMatch(out, /✘/, 'no check failed');
  t.match(out, /✔ log-forwarder exited 0/);
  t.match(out, /✔ app exited 0/);
  t.match(out, /The demo pod behaved\./);
});
