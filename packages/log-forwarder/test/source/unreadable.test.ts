// A log file the forwarder may not read (the app made it 0600 under another uid) is reported once,
// not at every rescan, with what to change; once it becomes readable it is read, and that is said.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { FailingPaths } from '../../src/source/failing-paths.js';
import { tempDir } from '../fixtures/harness.js';

const bin = fileURLToPath(new URL('../../src/main.js', import.meta.url));
// Root reads any file: without the two capabilities that let it, root is refused as others are.
const asUnprivileged = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] : [];

/** A forwarder tailing `logs/*.log` under `dir` into `out.jsonl`, rescanning every 50 ms. */
async function forwarder(t: { teardown(fn: () => unknown): void }, dir: string) {
  const fwd = await spawnSidecar({
    bin,
    prefix: asUnprivileged,
    config: {
      state_dir: path.join(dir, 'state'),
      sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], rescan_interval_ms: 50, poll_interval_ms: 20 } },
      sinks: { out: { type: 'file', inputs: ['app'], path: path.join(dir, 'out.jsonl') } },
    },
  });
  t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
  const output = () => readFile(path.join(dir, 'out.jsonl'), 'utf8').catch(() => '');
  /** Waits for the first `msg` about `p`, lets a dozen rescans pass, and returns all of them. */
  const reported = async (msg: string, p: string) => {
    const lines = () => fwd.logs().filter((l) => l.msg === msg && l.path === p);
    await waitFor(() => lines().length > 0, { what: msg });
    await new Promise((r) => setTimeout(r, 600));
    return lines();
  };
  return { fwd, output, reported };
}

t.test('an unreadable file: one warning with a hint, retried quietly, read once readable', async (t) => {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  const locked = path.join(logs, 'private.log');
  await writeFile(locked, 'secret line\n');
  await chmod(locked, 0o000);
  await writeFile(path.join(logs, 'public.log'), 'public line\n');
  const { fwd, output, reported } = await forwarder(t, dir);
  await waitFor(async () => (await output()).includes('public line'), { what: 'the readable file' });
  const warnings = await reported('cannot open file', locked);
  t.equal(warnings.length, 1, 'warned once, not at every rescan');
  t.match(warnings[0], { code: 'OUTRIGGER_E_LF_FILE_READ', err: /EACCES/, hint: /readable/ });

  await chmod(locked, 0o644);
  await waitFor(async () => (await output()).includes('secret line'), { what: 'the file, once readable' });
  t.ok(
    fwd.logs().some((l) => l.msg === 'file readable again' && l.path === locked),
    'the recovery is logged',
  );
});

t.test('an unreadable directory: one warning with a hint, its files read once it is readable', async (t) => {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  await writeFile(path.join(logs, 'app.log'), 'behind a locked door\n');
  await chmod(logs, 0o000);
  t.teardown(() => chmod(logs, 0o755)); // so the temp dir can be removed
  const { fwd, output, reported } = await forwarder(t, dir);
  const warnings = await reported('cannot read directory', logs);
  t.equal(warnings.length, 1, 'warned once, not at every rescan');
  t.match(warnings[0], { code: 'OUTRIGGER_E_LF_FILE_READ', err: /EACCES/, hint: /readable/ });

  await chmod(logs, 0o755);
  await waitFor(async () => (await output()).includes('behind a locked door'), { what: 'its file, once the directory is readable' });
  t.ok(fwd.logs().some((l) => l.msg === 'directory readable again' && l.path === logs));
});

t.test('FailingPaths: news once per path and error, bounded', async (t) => {
  const paths = new FailingPaths(2);
  t.ok(paths.failed('a', 'EACCES'));
  t.notOk(paths.failed('a', 'EACCES'), 'the same error again is no news');
  t.ok(paths.failed('a', 'EIO'), 'another error is');
  t.ok(paths.failed('b', 'EACCES'));
  t.ok(paths.failed('c', 'EACCES'));
  t.ok(paths.failed('a', 'EIO'), 'the oldest was forgotten past the bound');
  t.ok(paths.cleared('c'));
  t.notOk(paths.cleared('c'));
});
