import t from 'tap';
import { parsePrometheusText, podNetwork, spawnSidecar, waitFor } from '../src/testing.js';
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
  t.equal((await fetch(`${sc.adminUrl}/status?x=1`)).status, 200, 'a query string does not change the route');
  const post = await fetch(`${sc.adminUrl}/readyz`, { method: 'POST' });
  t.equal(post.status, 405);
  t.equal(post.headers.get('allow'), 'GET, HEAD');
  const head = await fetch(`${sc.probeUrl}/readyz`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '');
});

t.test('probes on the pod IP: /healthz, /readyz, /metrics there, /status only on the loopback admin server', async (t) => {
  const net = await podNetwork();
  t.teardown(() => net.close());
  const sc = await spawnSidecar({ bin: exampleBin, config: { probes: { listen: '0.0.0.0:0' } }, prefix: net.enter });
  t.teardown(() => sc.stop('SIGKILL'));
  const probePort = new URL(sc.probeUrl).port;
  const adminPort = new URL(sc.adminUrl).port;
  const onPod = (port: string, path: string) => net.get(`http://${net.podIp}:${port}${path}`);
  await waitFor(async () => (await onPod(probePort, '/readyz')).status === 200, { what: '/readyz on the pod IP' });
  t.same(JSON.parse((await onPod(probePort, '/readyz')).body), { ready: true });
  t.same(JSON.parse((await onPod(probePort, '/healthz')).body), { status: 'ok' });
  const metrics = await onPod(probePort, '/metrics');
  t.equal(metrics.status, 200);
  t.equal(parsePrometheusText(metrics.body).get('outrigger_example_sidecar_ready')?.samples[0]?.value, 1);
  t.equal((await onPod(probePort, '/status')).status, 404, '/status is not on the probe listener');
  t.equal((await onPod(adminPort, '/status')).status, 0, 'the admin server is not reachable on the pod IP');
  const status = await net.get(`http://127.0.0.1:${adminPort}/status`);
  t.equal(status.status, 200, '/status on the loopback admin server');
});

t.test('probes.listen "" turns the probe listener off', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: { probes: { listen: '' } } });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  t.equal(sc.probeUrl, '');
  t.notOk(
    sc.logs().some((l) => l.listener === 'probes'),
    'no probe listener',
  );
});

t.test('the admin server can be opened up, with a config key', async (t) => {
  const net = await podNetwork();
  t.teardown(() => net.close());
  const sc = await spawnSidecar({ bin: exampleBin, config: { admin: { listen: '0.0.0.0:0' } }, prefix: net.enter });
  t.teardown(() => sc.stop('SIGKILL'));
  const port = new URL(sc.adminUrl).port;
  await waitFor(async () => (await net.get(`http://${net.podIp}:${port}/status`)).status === 200, { what: '/status on the pod IP' });
});

t.test('/healthz fails after the event loop was blocked longer than the limit', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: { probes: { listen: '127.0.0.1:0', max_event_loop_delay_ms: 300 } } });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  t.equal((await fetch(`${sc.probeUrl}/healthz`)).status, 200);
  t.equal(await (await fetch(`http://${data}/block?ms=1000`)).text(), 'unblocked\n');
  const after = await fetch(`${sc.probeUrl}/healthz`);
  t.equal(after.status, 503);
  t.match(await after.json(), { status: 'wedged', reason: /event loop blocked for \d+ ms \(limit 300 ms\)/ });
  t.equal((await fetch(`${sc.adminUrl}/readyz`)).status, 200, 'readiness is not health');
});
