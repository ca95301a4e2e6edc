/**
 * Clusters through the proxy (a child process): acceptance 1 (an endpoint SIGKILLed under load →
 * no client-visible error, the dead one ejected), 5 (circuit breaker: pending overflow → 503 at
 * once, memory flat), active health checks and DNS endpoints.
 */
import { createServer } from 'node:http';
import { parsePrometheusText, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { client, get, startProxy } from '../fixtures/proxy.js';
import { startServer } from '../fixtures/upstream.js';

interface EndpointStatus {
  url: string;
  healthy: boolean;
  ejected: boolean;
  times_ejected: number;
}
interface Status {
  detail: {
    process: { heap_used_bytes: number; rss_bytes: number };
    clusters: Record<string, { pending: number; requests: number; endpoints: EndpointStatus[] }>;
  };
}

async function status(adminUrl: string): Promise<Status> {
  return (await (await fetch(`${adminUrl}/status`)).json()) as Status;
}

t.test('1: one of two endpoints SIGKILLed under steady GET load → no client error, it is ejected', async (t) => {
  const a = await startNginx(t);
  const b = await startNginx(t);
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    routes: [{ name: 'web', match: { path_prefix: '/' }, cluster: 'web' }],
    clusters: { web: { endpoints: [a.url, b.url], lb: 'round_robin' } },
  });
  const agent = client(t);
  const errors: string[] = [];
  let ok = 0;
  let stop = false;
  const workers = Array.from({ length: 8 }, async () => {
    while (!stop) {
      try {
        const res = await get(agent, `${proxy.url}/ok`);
        if (res.status === 200) ok++;
        else errors.push(`${res.status} ${res.headers['x-outrigger-flags']} ${res.body}`);
      } catch (err) {
        errors.push(String(err));
      }
    }
  });
  await waitFor(() => ok > 200, { what: 'load to run' });
  b.kill('SIGKILL');
  const okAtKill = ok;
  await waitFor(() => ok > okAtKill + 500, { timeoutMs: 15_000, what: 'load after the kill' });
  stop = true;
  await Promise.all(workers);
  t.same(errors, [], 'no client-visible error');
  const s = await status(proxy.sidecar.adminUrl);
  const dead = s.detail.clusters.web?.endpoints.find((e) => e.url === `${b.url}/`);
  t.ok(dead?.ejected, 'the dead endpoint is ejected');
  t.equal(dead?.times_ejected, 1);
  const metrics = await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text();
  t.match(metrics, /outrigger_egress_proxy_ejections_total\{cluster="web"\} 1/);
});

// Issue 4 point 5 reads "max_pending: 50 → the 51st concurrent request gets 503 at once". Pending
// means waiting for a connection, so with max_connections: 1 one request holds the connection and
// 50 wait: the 52nd concurrent request is the first one refused (README, circuit_breaker).
t.test('5: hung upstream, max_connections 1 + max_pending 50 → 51 admitted, the 52nd gets 503 at once; memory flat', async (t) => {
  const hung = await startServer(t, () => {
    // accepts and never answers
  });
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    routes: [{ name: 'hung', match: { path_prefix: '/' }, cluster: 'hung', timeout_ms: 60_000 }],
    clusters: { hung: { endpoints: [hung.url], circuit_breaker: { max_connections: 1, max_pending: 50 } } },
  });
  const agent = client(t, { connections: 200 });
  const first = get(agent, `${proxy.url}/hang`).catch(() => undefined);
  await waitFor(() => hung.requests.length === 1, { what: 'the first request to take the connection' });
  // 40 more wait in the queue, and 10 whose clients give up while queued: the pool lets go of an
  // abandoned request at once, so their slots are free again (and the queue stays bounded).
  const waiting = Array.from({ length: 40 }, () => get(agent, `${proxy.url}/hang`).catch(() => undefined));
  const quitters = new AbortController();
  const quitting = Array.from({ length: 10 }, () => fetch(`${proxy.url}/quit`, { signal: quitters.signal }).catch(() => undefined));
  void first;
  void waiting;
  await waitFor(
    async () => {
      const c = (await status(proxy.sidecar.adminUrl)).detail.clusters.hung;
      return c?.pending === 50 && c.requests === 51;
    },
    { what: '1 request on the connection and 50 pending' },
  );
  quitters.abort();
  await Promise.all(quitting);
  await waitFor(async () => (await status(proxy.sidecar.adminUrl)).detail.clusters.hung?.requests === 41, {
    what: 'the 10 abandoned requests to finish',
  });
  t.equal((await status(proxy.sidecar.adminUrl)).detail.clusters.hung?.pending, 40, 'abandoned requests left the queue');
  const refill = Array.from({ length: 10 }, () => get(agent, `${proxy.url}/hang`).catch(() => undefined));
  void refill;
  await waitFor(async () => (await status(proxy.sidecar.adminUrl)).detail.clusters.hung?.pending === 50, {
    what: 'the queue full again',
  });
  t.equal(hung.requests.length, 1, 'one request on the single connection');
  // Refused requests must not wait for the hung upstream: a queued one would only end at the
  // 60 s route timeout, so this client gives up long before that and the test fails fast.
  const impatient = client(t, { connections: 100, headersTimeout: 10_000 });
  const overflow = await get(impatient, `${proxy.url}/one-more`);
  t.equal(overflow.status, 503);
  t.equal(overflow.headers['x-outrigger-flags'], 'UO');
  t.equal(overflow.headers['retry-after'], '1');
  t.match(JSON.parse(overflow.body), { error: { code: 'OUTRIGGER_E_OVERFLOW' } });

  const before = (await status(proxy.sidecar.adminUrl)).detail.process;
  for (let round = 0; round < 20; round++) {
    const results = await Promise.all(Array.from({ length: 50 }, () => get(impatient, `${proxy.url}/more`)));
    t.ok(
      results.every((r) => r.status === 503),
      `round ${round}: all refused at once`,
    );
  }
  const after = (await status(proxy.sidecar.adminUrl)).detail.process;
  t.ok(
    after.heap_used_bytes - before.heap_used_bytes < 16 * 1024 * 1024,
    `heap ${before.heap_used_bytes} → ${after.heap_used_bytes} after 1000 refusals`,
  );
  t.equal((await status(proxy.sidecar.adminUrl)).detail.clusters.hung?.pending, 50, 'nothing queued beyond the limit');
  const metrics = await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text();
  t.match(metrics, /outrigger_egress_proxy_circuit_breaker_overflows_total\{cluster="hung"\} 1001/);
});

t.test('active health checks take an unhealthy endpoint out and bring it back', async (t) => {
  let sickHealthy = false;
  const sick = await startServer(t, (req, res) => {
    if (req.url === '/healthz') res.writeHead(sickHealthy ? 200 : 500);
    res.end('sick');
  });
  const well = await startServer(t, (_req, res) => res.end('well'));
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    routes: [{ name: 'hc', match: { path_prefix: '/' }, cluster: 'hc' }],
    clusters: {
      hc: {
        endpoints: [sick.url, well.url],
        lb: 'round_robin',
        health_check: { path: '/healthz', interval_ms: 100, unhealthy_threshold: 2, healthy_threshold: 2 },
      },
    },
  });
  await waitFor(
    async () => {
      const eps = (await status(proxy.sidecar.adminUrl)).detail.clusters.hc?.endpoints ?? [];
      return eps.find((e) => e.url === `${sick.url}/`)?.healthy === false;
    },
    { what: 'the sick endpoint to be marked unhealthy' },
  );
  const agent = client(t);
  for (let i = 0; i < 6; i++) t.equal((await get(agent, `${proxy.url}/x`)).body, 'well');
  sickHealthy = true;
  await waitFor(
    async () => {
      const eps = (await status(proxy.sidecar.adminUrl)).detail.clusters.hc?.endpoints ?? [];
      return eps.every((e) => e.healthy);
    },
    { what: 'the endpoint to recover' },
  );
  const bodies = new Set<string>();
  for (let i = 0; i < 4; i++) bodies.add((await get(agent, `${proxy.url}/x`)).body);
  t.same([...bodies].sort(), ['sick', 'well'], 'both endpoints serve again');
});

t.test('dns endpoints: every address of the name is an endpoint', async (t) => {
  // A dual-stack server: localhost may resolve to 127.0.0.1 and ::1.
  const server = createServer((req, res) => res.end(`dns ${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    routes: [{ name: 'dns', match: { path_prefix: '/' }, cluster: 'dns' }],
    clusters: { dns: { dns: { name: `localhost:${port}`, refresh_ms: 200 } } },
  });
  const res = await get(client(t), `${proxy.url}/x`);
  t.equal(res.body, `dns localhost:${port}`, 'the Host is the DNS name');
  const eps = (await status(proxy.sidecar.adminUrl)).detail.clusters.dns?.endpoints ?? [];
  t.ok(eps.length >= 1);
  t.ok(
    eps.every((e) => /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+\/$/.test(e.url)),
    JSON.stringify(eps.map((e) => e.url)),
  );
});

t.test('every endpoint of a cluster down: still ready; /status and the metrics say so', async (t) => {
  const a = await startServer(t, (_req, res) => res.end('a'));
  const b = await startServer(t, (_req, res) => res.end('b'));
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    routes: [{ name: 'down', match: { path_prefix: '/' }, cluster: 'down' }],
    clusters: {
      down: {
        endpoints: [a.url, b.url],
        health_check: { path: '/', interval_ms: 100, unhealthy_threshold: 1, healthy_threshold: 1 },
      },
    },
  });
  const healthy = async () => {
    const families = parsePrometheusText(await (await fetch(`${proxy.sidecar.probeUrl}/metrics`)).text());
    return families.get('outrigger_egress_proxy_cluster_healthy_endpoints')?.samples.find((s) => s.labels.cluster === 'down')?.value;
  };
  await waitFor(async () => (await healthy()) === 2, { what: 'both endpoints healthy' });
  await a.close();
  await b.close();
  await waitFor(async () => (await healthy()) === 0, { what: 'the metric shows no healthy endpoint' });
  const cluster = (await status(proxy.sidecar.adminUrl)).detail.clusters.down as unknown as { problem: string; healthy_endpoints: number };
  t.equal(cluster.healthy_endpoints, 0);
  t.match(cluster.problem, /no healthy endpoint/);
  const readyz = await fetch(`${proxy.sidecar.probeUrl}/readyz`);
  t.equal(readyz.status, 200, 'a cluster with every endpoint down does not make the proxy unready');
  t.equal((await get(client(t), `${proxy.url}/x`)).status >= 500, true, 'calls to it fail meanwhile');
});
