import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import t from 'tap';
import { parsePrometheusText, spawnSidecar } from '../src/testing.js';
import { exampleBin } from './fixtures/example.js';

t.test('healthz, readyz, metrics, status', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: {} });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  await fetch(`http://${data}/work?ms=1`).then((r) => r.text());

  t.same(await (await fetch(`${sc.adminUrl}/healthz`)).json(), { status: 'ok' });
  t.same(await (await fetch(`${sc.adminUrl}/readyz`)).json(), { ready: true });

  const metrics = await fetch(`${sc.adminUrl}/metrics`);
  t.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await metrics.text());
  t.equal(families.get('outrigger_example_sidecar_ready')?.samples[0]?.value, 1);
  t.equal(families.get('outrigger_example_sidecar_jobs_total')?.samples[0]?.value, 1);
  t.same(families.get('outrigger_example_sidecar_info')?.samples[0]?.labels, { version: '0.0.1' });
  t.equal(families.get('process_cpu_user_seconds_total')?.type, 'counter');
  t.match(families.get('outrigger_example_sidecar_log_dropped_lines_total'), { type: 'counter', samples: [{ value: 0 }] });

  const status = (await (await fetch(`${sc.adminUrl}/status`)).json()) as Record<string, unknown>;
  t.match(status, {
    sidecar: 'example-sidecar',
    version: '0.0.1',
    state: 'running',
    readiness: { ready: true },
    detail: { completed: 1, in_flight: 0 },
  });
  t.equal((await fetch(`${sc.adminUrl}/nope`)).status, 404);
});

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' || e.code === 'EADDRNOTAVAIL'));
  });
}

t.test('the admin server is on loopback only unless configured', async (t) => {
  // Other addresses of this host; 127.0.0.2 stands in where the sandbox has no other interface.
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => (i as { address: string }).address);
  const probes = [...others, '127.0.0.2'];

  const sc = await spawnSidecar({ bin: exampleBin, config: {} });
  t.teardown(() => sc.stop('SIGKILL'));
  const port = Number(new URL(sc.adminUrl).port);
  t.equal(new URL(sc.adminUrl).hostname, '127.0.0.1');
  for (const host of probes) t.ok(await refused(host, port), `not reachable on ${host}`);

  const open = await spawnSidecar({ bin: exampleBin, config: { admin: { listen: '0.0.0.0:0' } } });
  t.teardown(() => open.stop('SIGKILL'));
  const openPort = Number(new URL(open.adminUrl).port);
  for (const host of probes) t.notOk(await refused(host, openPort), `reachable on ${host} when configured to 0.0.0.0`);
});
