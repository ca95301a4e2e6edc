/**
 * Acceptance 5: SIGKILL during delivery, many times over, then a clean run: every line at least
 * once, repeats bounded by the in-flight window, and after every kill the checkpoint is never
 * ahead of what the sink acknowledged (written to the output file).
 *
 * The file sink acknowledges within a millisecond, faster than a checkpoint is written, so a
 * checkpoint committed at read time would go unnoticed there: 5b kills the forwarder while a slow
 * remote sink holds batches unacknowledged for tens of milliseconds each.
 */
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { countBy } from './fixtures/expect.js';
import { numbered, tempDir } from './fixtures/harness.js';
import { readMessages } from './fixtures/lines.js';
import { send, TestHttpServer } from './servers/http-server.js';

const bin = fileURLToPath(new URL('../src/main.js', import.meta.url));
const KILLS = 10;
const PER_ROUND = 40_000;
const PAD = ' the quick brown fox jumps over the lazy dog';
const LINE = `k-000001${PAD}\n`.length;
const CAP = 262_144;
const READ = 65_537; // max(read_chunk_bytes, max_line_bytes + 1)

const size = (f: string) =>
  stat(f).then(
    (s) => s.size,
    () => 0,
  );

t.test('5. SIGKILL loop: at least once, bounded repeats, checkpoint never ahead of acks', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  const out = path.join(dir, 'out.jsonl');
  const config = {
    state_dir: path.join(dir, 'state'),
    max_in_flight_bytes: CAP,
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], poll_interval_ms: 20, read_chunk_bytes: 65536 } },
    sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    log: { level: 'warn' },
  };
  let written = 0;
  let killsDuringDelivery = 0;
  let lastOffset = 0;
  let advanced = 0;
  for (let round = 0; round < KILLS; round++) {
    await appendFile(log, numbered('k', written + 1, PER_ROUND, PAD));
    written += PER_ROUND;
    const before = await size(out);
    const fwd = await spawnSidecar({ bin, config });
    t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
    // Kill mid-delivery: once a random 10–90 % of this round's output is written.
    const jsonLine = JSON.stringify({ message: `k-000001${PAD}`, timestamp: new Date().toISOString(), file: log }).length + 1;
    const target = before + Math.floor(PER_ROUND * jsonLine * (0.1 + Math.random() * 0.8));
    await waitFor(async () => (await size(out)) >= target, { timeoutMs: 20_000, intervalMs: 2, what: 'delivery under way' });
    const exit = await fwd.stop('SIGKILL');
    t.equal(exit.signal, 'SIGKILL');
    const delivered = new Set(await readMessages(out));
    if (delivered.size < written) killsDuringDelivery++;
    // The checkpoint must not be ahead of the acknowledged (written) lines.
    const cp = JSON.parse(await readFile(path.join(dir, 'state', 'checkpoints.json'), 'utf8')) as { files: { offset: number }[] };
    const offset = cp.files[0]?.offset ?? 0;
    let prefix = 0;
    while (prefix < written && delivered.has(`k-${String(prefix + 1).padStart(6, '0')}${PAD}`)) prefix++;
    t.ok(offset <= prefix * LINE, `round ${round}: checkpoint ${offset} ≤ acknowledged prefix ${prefix * LINE}`);
    t.equal(offset % LINE, 0, 'checkpoint at a line boundary');
    if (offset > lastOffset) advanced++;
    lastOffset = offset;
  }
  t.ok(killsDuringDelivery >= KILLS - 3, `${killsDuringDelivery} of ${KILLS} kills hit mid-delivery`);
  t.ok(advanced >= 3, `the checkpoint advanced between kills ${advanced} times`);

  const last = await spawnSidecar({ bin, config });
  t.teardown(() => last.stop('SIGKILL').catch(() => undefined));
  await waitFor(async () => new Set(await readMessages(out)).size >= written, { timeoutMs: 60_000, what: 'all lines after the kills' });
  const exit = await last.stop('SIGTERM');
  t.equal(exit.code, 0);

  const counts = countBy(await readMessages(out));
  let missing = 0;
  let repeats = 0;
  for (let i = 1; i <= written; i++) {
    const n = counts.get(`k-${String(i).padStart(6, '0')}${PAD}`) ?? 0;
    if (n === 0) missing++;
    else repeats += n - 1;
  }
  t.equal(missing, 0, 'every line at least once');
  // Acknowledged bytes count against the cap until a checkpoint covers them, so per kill at most
  // the cap plus one read (a read may always start when nothing is in flight) is read again.
  const bound = KILLS * Math.ceil((CAP + READ) / LINE);
  t.ok(repeats <= bound, `repeats ${repeats} ≤ ${bound} (file has ${written} lines)`);
  t.comment(`SIGKILL loop: ${KILLS} kills, ${written} lines, ${repeats} repeated (${(repeats / KILLS).toFixed(0)} per kill)`);
});

t.test('5b. SIGKILL while a slow remote sink holds batches: the checkpoint never covers an unacknowledged line', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  // The server takes 20–60 ms per request and records the lines only as it answers 2xx: a line
  // it has not recorded cannot have been acknowledged to the forwarder.
  const recorded = new Set<string>();
  const server = await new TestHttpServer((_req, body, res) => {
    setTimeout(
      () => {
        for (const line of body.toString().split('\n')) if (line) recorded.add((JSON.parse(line) as { message: string }).message);
        send(res, 204);
      },
      20 + Math.random() * 40,
    );
  }).listen();
  t.teardown(() => server.close());
  const config = {
    state_dir: path.join(dir, 'state'),
    max_in_flight_bytes: CAP,
    checkpoint_interval_ms: 20,
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], poll_interval_ms: 20, read_chunk_bytes: 65536 } },
    sinks: { remote: { type: 'http', inputs: ['app'], endpoint: `${server.url}/ingest`, batch: { max_events: 200, timeout_ms: 5 } } },
    log: { level: 'warn' },
  };
  const ROUNDS = 5;
  const PER = 10_000;
  const line = (i: number) => `k-${String(i).padStart(6, '0')}${PAD}`;
  let written = 0;
  let advanced = 0;
  let lastOffset = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await appendFile(log, numbered('k', written + 1, PER, PAD));
    written += PER;
    const target = written - PER + Math.floor(PER * (0.2 + Math.random() * 0.6));
    const fwd = await spawnSidecar({ bin, config });
    t.teardown(() => fwd.stop('SIGKILL').catch(() => undefined));
    await waitFor(() => recorded.size >= target, { timeoutMs: 20_000, intervalMs: 2, what: 'delivery under way' });
    t.equal((await fwd.stop('SIGKILL')).signal, 'SIGKILL');
    const cp = JSON.parse(await readFile(path.join(dir, 'state', 'checkpoints.json'), 'utf8')) as { files: { offset: number }[] };
    const offset = cp.files[0]?.offset ?? 0;
    let prefix = 0;
    while (prefix < written && recorded.has(line(prefix + 1))) prefix++;
    t.ok(offset <= prefix * LINE, `round ${round}: checkpoint ${offset} ≤ acknowledged prefix ${prefix * LINE}`);
    if (offset > lastOffset) advanced++;
    lastOffset = offset;
  }
  t.ok(advanced >= ROUNDS - 2, `the checkpoint advanced between kills ${advanced} times`);
  const last = await spawnSidecar({ bin, config });
  t.teardown(() => last.stop('SIGKILL').catch(() => undefined));
  await waitFor(() => recorded.size >= written, { timeoutMs: 30_000, what: 'every line after the kills' });
  t.equal((await last.stop('SIGTERM')).code, 0);
  let missing = 0;
  for (let i = 1; i <= written; i++) if (!recorded.has(line(i))) missing++;
  t.equal(missing, 0, 'every line at least once');
});
