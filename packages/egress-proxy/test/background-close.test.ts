/**
 * Defect 6: pools closed in the background (the old route table after a reload, an endpoint that
 * left a DNS cluster) must not kill the process when closing fails: the failure is logged.
 */
import { Writable } from 'node:stream';
import { resolveConfig, type SidecarContext } from '@outrigger/runtime';
import { waitFor } from '@outrigger/runtime/testing';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { Cluster } from '../src/cluster/cluster.js';
import { definition } from '../src/definition.js';
import type { EgressProxy } from '../src/proxy.js';
import { RouteTable } from '../src/route-table.js';
import type { ProxyConfig } from '../src/schema.js';

function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function config(raw: Record<string, unknown>): ProxyConfig {
  const result = resolveConfig(definition, { listen: '127.0.0.1:0', ...raw }, {});
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config as unknown as ProxyConfig;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
t.teardown(() => {
  process.off('unhandledRejection', onUnhandled);
});

t.test('an endpoint leaving a DNS cluster whose close fails: logged, no unhandled rejection', async (t) => {
  const { logger, lines } = capture();
  const c = config({
    routes: [{ name: 'r', match: { path_prefix: '/' }, cluster: 'dns' }],
    clusters: { dns: { dns: { name: 'svc.test:8080', refresh_ms: 100 } } },
  });
  let answer = ['127.0.0.1'];
  const cluster = new Cluster(
    'dns',
    c.clusters.dns as never,
    logger,
    (p) => p,
    { ejected: () => {} },
    async () => answer,
  );
  t.teardown(() => cluster.destroy());
  await cluster.start();
  const first = cluster.endpoints[0];
  if (first === undefined) throw new Error('no endpoint');
  first.close = () => Promise.reject(new Error('close failed on purpose'));
  answer = ['127.0.0.2'];
  await waitFor(() => cluster.endpoints[0] !== first, { what: 'the endpoint to be replaced' });
  const line = await waitFor(() => lines.find((l) => l.msg === 'closing a removed endpoint failed'), { what: 'the log line' });
  t.match(line, { level: 40, cluster: 'dns', reason: 'close failed on purpose' });
  await new Promise((r) => setImmediate(r));
  t.same(unhandled, []);
});

t.test('the old route table failing to close after a reload: logged, no unhandled rejection', async (t) => {
  const { logger, lines } = capture();
  const raw = {
    routes: [{ name: 'r', match: { path_prefix: '/' }, cluster: 'c' }],
    clusters: { c: { endpoints: ['http://127.0.0.1:9'] } },
  };
  const ctx: SidecarContext = {
    name: 'egress-proxy',
    logger,
    metrics: new Registry(),
    metricName: (s) => `outrigger_egress_proxy_${s}`,
    resolvePath: (p) => p,
  };
  const proxy = definition.build(config(raw) as never, ctx) as EgressProxy;
  await proxy.start();
  t.teardown(() => proxy.stop());
  const close = RouteTable.prototype.close;
  RouteTable.prototype.close = () => Promise.reject(new Error('old table close failed on purpose'));
  t.teardown(() => {
    RouteTable.prototype.close = close;
  });
  await proxy.reload(config(raw));
  const line = await waitFor(() => lines.find((l) => l.msg === 'closing the old routes and clusters failed'), {
    what: 'the log line',
  });
  t.match(line, { level: 40, reason: 'old table close failed on purpose' });
  await new Promise((r) => setImmediate(r));
  t.same(unhandled, []);
});
