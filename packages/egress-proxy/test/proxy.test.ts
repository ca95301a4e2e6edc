/**
 * The proxy as a whole: acceptance 11 (aborted requests leak nothing: sockets, file descriptors,
 * heap), 12 (SIGTERM: outbound calls keep succeeding until the drain deadline) and reload
 * without dropping requests in flight.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigMapVolume, spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startInProcess } from './fixtures/in-process.js';
import { bin, client, get, startProxy } from './fixtures/proxy.js';
import { startServer } from './fixtures/upstream.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** One request the client abandons: mid-response (GET) or mid-request-body (POST). */
function abortedRequest(port: number, kind: 'response' | 'body'): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      if (kind === 'response') {
        socket.write('GET /stream/x HTTP/1.1\r\nHost: app\r\n\r\n');
        socket.once('data', () => socket.destroy());
      } else {
        socket.write(`POST /stream/upload HTTP/1.1\r\nHost: app\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
        setImmediate(() => socket.destroy());
      }
    });
  });
}

t.test('11: requests aborted by the client mid-stream leak no sockets, descriptors or heap', async (t) => {
  const chunk = Buffer.alloc(1024, 'z');
  const upstream = await startServer(
    t,
    (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const tick = () => {
        if (res.destroyed) return;
        if (res.write(chunk)) setTimeout(tick, 5);
        else res.once('drain', tick);
      };
      tick();
    },
    { record: false },
  );
  const { proxy, port } = await startInProcess(t, {
    listener: { access_log: false },
    routes: [{ name: 'stream', match: { path_prefix: '/stream/' }, cluster: 'up' }],
    clusters: { up: { endpoints: [upstream.url] } },
  });
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < n) {
          const i = next++;
          await abortedRequest(port, i % 2 === 0 ? 'response' : 'body');
        }
      }),
    );
  };
  const idle = () => proxy.inFlight() === 0;
  await run(500); // warm-up: JIT, pools, buffers
  await waitFor(idle, { what: 'warm-up requests to finish' });
  const fdBaseline = openFds();
  const heapBaseline = settledHeap();
  const total = 10_000;
  const started = Date.now();
  await run(total);
  t.comment(`${total} aborted requests in ${Date.now() - started} ms`);
  await waitFor(idle, { timeoutMs: 20_000, what: 'aborted requests to be released' });
  await waitFor(() => openFds() <= fdBaseline + 2, { timeoutMs: 10_000, what: `fds back to ${fdBaseline}` });
  t.ok(openFds() <= fdBaseline + 2, `file descriptors: ${fdBaseline} → ${openFds()}`);
  const status = proxy.status() as {
    clusters: { up: { requests: number; pending: number; endpoints: { active_requests: number; connections: number }[] } };
  };
  t.equal(status.clusters.up.requests, 0, 'no request left in the circuit breaker');
  t.equal(status.clusters.up.pending, 0);
  t.equal(status.clusters.up.endpoints[0]?.active_requests, 0);
  t.ok((status.clusters.up.endpoints[0]?.connections ?? 0) <= 50, 'upstream connections bounded by the concurrency');
  const heap = settledHeap();
  t.ok(heap - heapBaseline < 4 * 1024 * 1024, `heap back to its baseline: ${heapBaseline} → ${heap}`);
  t.ok(upstream.count >= total, 'the aborted requests did reach the upstream');
});

t.test('12: on SIGTERM outbound calls keep succeeding until the drain deadline', async (t) => {
  const upstream = await startServer(t, (_req, res) => res.end('ok'));
  const proxy = await startProxy(t, {
    listener: { access_log: false },
    shutdown: { drain_timeout_ms: 2000 },
    routes: [{ name: 'up', match: { path_prefix: '/' }, cluster: 'up' }],
    clusters: { up: { endpoints: [upstream.url] } },
  });
  const agent = client(t);
  let sigtermAt = 0;
  const failures: string[] = [];
  let afterSignal = 0;
  let freshAfterSignal = 0;
  const loop = async (fresh: boolean) => {
    while (sigtermAt === 0 || Date.now() - sigtermAt < 1500) {
      try {
        const res = fresh
          ? await fetch(`${proxy.url}/x`, { headers: { connection: 'close' } }).then(async (r) => ({
              status: r.status,
              body: await r.text(),
            }))
          : await get(agent, `${proxy.url}/x`);
        if (res.status !== 200) failures.push(`${res.status}`);
        else if (sigtermAt > 0) {
          afterSignal++;
          if (fresh) freshAfterSignal++;
        }
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const loops = [loop(false), loop(false), loop(true)];
  await waitFor(() => upstream.requests.length > 50, { what: 'traffic' });
  sigtermAt = Date.now();
  proxy.sidecar.child.kill('SIGTERM');
  await Promise.all(loops);
  t.same(failures, [], 'no failure until the deadline');
  t.ok(afterSignal > 20, `${afterSignal} calls succeeded after SIGTERM`);
  t.ok(freshAfterSignal > 0, 'new connections are accepted while draining');
  const exit = await proxy.sidecar.exited;
  t.same(exit, { code: 0, signal: null }, 'exits 0 after the deadline');
  t.ok(Date.now() - sigtermAt >= 2000, 'not before the deadline');
});

t.test('reload: routes and clusters change without dropping requests in flight', async (t) => {
  let release: (() => void) | undefined;
  const slow = await startServer(t, (_req, res) => {
    release = () => res.end('slow done');
  });
  const other = await startServer(t, (_req, res) => res.end('other'));
  const config = {
    listener: { access_log: false },
    routes: [{ name: 'a', match: { path_prefix: '/a/' }, cluster: 'slow' }],
    clusters: { slow: { endpoints: [slow.url] } },
  };
  const proxy = await startProxy(t, config);
  const agent = client(t);
  const inFlight = get(agent, `${proxy.url}/a/wait`);
  await waitFor(() => release !== undefined, { what: 'the slow request to arrive' });
  const next = {
    admin: { listen: '127.0.0.1:0' },
    probes: { listen: '127.0.0.1:0' },
    config_watch: { enabled: false },
    listen: '127.0.0.1:0',
    shutdown: { drain_timeout_ms: 2000 },
    ...config,
    routes: [
      { name: 'a', match: { path_prefix: '/a/' }, cluster: 'other' },
      { name: 'b', match: { path_prefix: '/b/' }, cluster: 'other' },
    ],
    clusters: { other: { endpoints: [other.url] } },
  };
  await writeFile(proxy.sidecar.configPath, JSON.stringify(next));
  proxy.sidecar.child.kill('SIGHUP');
  await proxy.sidecar.waitForLog((l) => l.msg === 'routes and clusters reloaded');
  t.equal((await get(agent, `${proxy.url}/b/x`)).body, 'other', 'the new route serves');
  t.equal((await get(agent, `${proxy.url}/a/x`)).body, 'other', 'the changed route goes to the new cluster');
  release?.();
  const res = await inFlight;
  t.equal(res.status, 200, 'the request in flight during the reload completed');
  t.equal(res.body, 'slow done');
});

t.test('a ConfigMap ..data swap reloads routes; a broken one is refused and logged while traffic goes on', async (t) => {
  const one = await startServer(t, (_req, res) => res.end('one'));
  const two = await startServer(t, (_req, res) => res.end('two'));
  const dir = await mkdtemp(join(tmpdir(), 'egress-configmap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const volume = new ConfigMapVolume(dir);
  const config = (cluster: string, endpoint: string) =>
    JSON.stringify({
      listen: '127.0.0.1:0',
      admin: { listen: '127.0.0.1:0' },
      probes: { listen: '' },
      config_watch: { debounce_ms: 50 },
      listener: { access_log: false },
      routes: [{ name: 'api', match: { path_prefix: '/' }, cluster }],
      clusters: { api: { endpoints: [endpoint] } },
    });
  await volume.write({ 'egress.yaml': config('api', one.url) });
  const sidecar = await spawnSidecar({ bin, config: volume.path('egress.yaml') });
  t.teardown(() => sidecar.stop('SIGKILL'));
  await sidecar.waitReady();
  const url = `http://${await sidecar.listenerAddress('proxy')}/x`;
  const agent = client(t);
  t.equal((await get(agent, url)).body, 'one');

  await volume.write({ 'egress.yaml': config('api', two.url) });
  await waitFor(async () => (await get(agent, url)).body === 'two', { what: 'the swapped config served' });

  await volume.write({ 'egress.yaml': config('missing', one.url) });
  const refused = await sidecar.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.match(refused, { trigger: 'config file changed', issues: [{ path: 'routes[0].cluster' }] });
  for (let i = 0; i < 5; i++) t.equal((await get(agent, url)).body, 'two', 'the running config keeps serving');
  t.equal((await fetch(`${sidecar.adminUrl}/readyz`)).status, 200);
});
