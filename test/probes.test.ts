// Each sidecar, and the three in one process, as the kubelet and Prometheus see them: in a pod's
// network namespace, probes on all addresses are reached on the pod IP; /status is not there;
// and with every remote peer down (sink, upstream cluster, app) the sidecars stay ready.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrometheusText, podNetwork, spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const bundle = (name: string) => join(repoRoot, 'packages', name, 'dist/bundle', `${name}.mjs`);
// Nothing listens on port 9 (discard) here: every remote peer is down.
const down = 'http://127.0.0.1:9';

function sections(dir: string): Record<string, Record<string, unknown>> {
  return {
    log_forwarder: {
      state_dir: join(dir, 'state'),
      sources: { app: { type: 'file', include: [join(dir, 'logs', '*.log')] } },
      sinks: { loki: { type: 'loki', inputs: ['app'], endpoint: down, labels: { app: 'probe-test' } } },
    },
    egress_proxy: {
      listen: '127.0.0.1:0',
      routes: [{ name: 'payments', match: { path_prefix: '/payments/' }, cluster: 'payments' }],
      clusters: { payments: { endpoints: [down] } },
    },
    api_adapter: {
      mode: 'inbound',
      listen: '127.0.0.1:0',
      upstream: { url: down, version: '1' },
      versioning: { header: 'api-version' },
      versions: [{ version: '1', changes: [] }],
    },
  };
}

const cases = [
  { name: 'log-forwarder', bin: bundle('log-forwarder'), config: (dir: string) => sections(dir).log_forwarder },
  { name: 'egress-proxy', bin: bundle('egress-proxy'), config: (dir: string) => sections(dir).egress_proxy },
  { name: 'api-adapter', bin: bundle('api-adapter'), config: (dir: string) => sections(dir).api_adapter },
  { name: 'outrigger (all three in one process)', bin: bundle('outrigger'), config: (dir: string) => sections(dir) },
];

for (const c of cases) {
  t.test(`${c.name}: /readyz and /metrics on the pod IP, /status only on loopback, ready with every peer down`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'outrigger-probes-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const net = await podNetwork();
    t.teardown(() => net.close());
    const sc = await spawnSidecar({ bin: c.bin, config: { ...c.config(dir), probes: { listen: '0.0.0.0:0' } }, prefix: net.enter });
    t.teardown(() => sc.stop('SIGKILL'));
    const port = new URL(sc.probeUrl).port;
    const onPod = (path: string) => net.get(`http://${net.podIp}:${port}${path}`);
    await waitFor(async () => (await onPod('/readyz')).status === 200, { what: '/readyz 200 on the pod IP' });
    const metrics = await onPod('/metrics');
    t.equal(metrics.status, 200);
    const families = parsePrometheusText(metrics.body);
    const sidecars = c.name.startsWith('outrigger') ? ['log_forwarder', 'egress_proxy', 'api_adapter'] : [c.name.replace(/-/g, '_')];
    for (const s of sidecars) t.equal(families.get(`outrigger_${s}_ready`)?.samples[0]?.value, 1, `outrigger_${s}_ready is 1`);
    t.equal((await onPod('/status')).status, 404, '/status is not on the probe listener');
    t.equal((await net.get(`http://${net.podIp}:${new URL(sc.adminUrl).port}/status`)).status, 0, 'the admin server is loopback only');
    const status = JSON.parse((await net.get(`${sc.adminUrl}/status`)).body) as { readiness: { ready: boolean } };
    t.same(status.readiness, { ready: true });
    t.notMatch(metrics.body, /127\.0\.0\.1:9|token|password/, 'no peer URL or secret on the probe listener');
    t.same(await sc.stop('SIGTERM'), { code: 0, signal: null }, 'SIGTERM: a clean exit');
  });
}

t.test('a credential or query in a configured URL appears on neither listener', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-probes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const all = sections(dir);
  const secret = 'hunter2-s3cret';
  const config = {
    // (The egress-proxy refuses credentials in an endpoint URL outright: they go in a route's credentials.)
    egress_proxy: all.egress_proxy,
    api_adapter: { ...all.api_adapter, upstream: { url: `http://app:${secret}@127.0.0.1:9/?token=${secret}`, version: '1' } },
  };
  const sc = await spawnSidecar({ bin: bundle('outrigger'), config });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  for (const url of [`${sc.adminUrl}/status`, `${sc.adminUrl}/metrics`, `${sc.probeUrl}/metrics`, `${sc.probeUrl}/readyz`]) {
    const body = await (await fetch(url)).text();
    t.notOk(body.includes(secret), `no secret in ${new URL(url).pathname} (${url.startsWith(sc.adminUrl) ? 'admin' : 'probes'})`);
  }
  t.notOk(JSON.stringify(sc.logs()).includes(secret), 'nor in the logs');
});
