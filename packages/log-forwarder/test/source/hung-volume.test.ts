/**
 * Defect 9 (issue 11): file reads check the file's head with a synchronous read, so a hung network
 * volume stops the whole event loop. Then `/healthz` must fail (the chassis' event-loop check), so
 * the kubelet restarts the container. The real forwarder process, its first synchronous read of
 * `hung.log` blocked for 1.5 s by a preload (test/fixtures/hung-volume.ts).
 */
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { tempDir } from '../fixtures/harness.js';

const bin = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const preload = fileURLToPath(new URL('../fixtures/hung-volume.js', import.meta.url));

t.test('a read that hangs the event loop makes /healthz fail', async (t) => {
  const dir = await tempDir(t);
  const log = path.join(dir, 'hung.log');
  await writeFile(log, 'first line\n');
  const sc = await spawnSidecar({
    bin,
    nodeArgs: ['--import', preload],
    env: { HUNG_MS: '1500' },
    config: {
      probes: { listen: '127.0.0.1:0', max_event_loop_delay_ms: 300 },
      state_dir: path.join(dir, 'state'),
      sources: { app: { type: 'file', include: [log], poll_interval_ms: 50 } },
      sinks: { out: { type: 'file', inputs: ['app'], path: path.join(dir, 'out.jsonl') } },
    },
  });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  t.equal((await fetch(`${sc.probeUrl}/healthz`)).status, 200, 'healthy before');
  // A read past offset 0 checks the head with readSync: that read hangs.
  await appendFile(log, 'second line\n');
  const res = await waitFor(
    async () => {
      const r = await fetch(`${sc.probeUrl}/healthz`);
      return r.status === 503 ? r : undefined;
    },
    { what: '/healthz failing', timeoutMs: 15_000 },
  );
  t.match(await res.json(), { status: 'wedged', reason: /event loop blocked for \d+ ms \(limit 300 ms\)/ });
  t.equal((await fetch(`${sc.adminUrl}/readyz`)).status, 200, 'readiness is not health');
});
