// A log file the forwarder may not read (the app made it 0600 under another uid) is reported once,
// not at every rescan, with what to change; once it becomes readable it is read, and that is said.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { tempDir } from '../fixtures/harness.js';

const bin = fileURLToPath(new URL('../../src/main.js', import.meta.url));
// Root reads any file: without the two capabilities that let it, root is refused as others are.
const asUnprivileged = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] : [];

t.test('an unreadable file: one warning with a hint, retried quietly, read once readable', async (t) => {
  const dir = await tempDir(t);
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  const locked = path.join(logs, 'private.log');
  await writeFile(locked, 'secret line\n');
  await chmod(locked, 0o000);
  await writeFile(path.join(logs, 'public.log'), 'public line\n');
  const out = path.join(dir, 'out.jsonl');
  const fwd = await spawnSidecar({
    bin,
    prefix: asUnprivileged,
    config: {
      state_dir: path.join(dir, 'state'),
      sources: { app: { type: 'file', include: [path.join(logs, '*.log')], rescan_interval_ms: 50, poll_interval_ms: 20 } },
      sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    },
  });
  t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
  await waitFor(async () => (await readFile(out, 'utf8').catch(() => '')).includes('public line'), { what: 'the readable file' });
  const warnings = () => fwd.logs().filter((l) => l.msg === 'cannot open file' && l.path === locked);
  await waitFor(() => warnings().length > 0, { what: 'the warning' });
  await new Promise((r) => setTimeout(r, 600)); // a dozen rescans
  t.equal(warnings().length, 1, 'warned once, not at every rescan');
  t.match(warnings()[0], { code: 'OUTRIGGER_E_LF_FILE_READ', err: /EACCES/, hint: /readable/ });

  await chmod(locked, 0o644);
  await waitFor(async () => (await readFile(out, 'utf8')).includes('secret line'), { what: 'the file, once readable' });
  t.ok(
    fwd.logs().some((l) => l.msg === 'file readable again' && l.path === locked),
    'the recovery is logged',
  );
});
