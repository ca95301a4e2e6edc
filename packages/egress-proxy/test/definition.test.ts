import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveConfig } from '@outrigger/runtime';
import t from 'tap';
import { definition } from '../src/definition.js';
import type { ProxyConfig } from '../src/schema.js';
import { tempDir } from './fixtures/ports.js';
import { bin } from './fixtures/proxy.js';

const run = promisify(execFile);

const minimal = {
  routes: [{ name: 'pay', match: { path_prefix: '/pay/' }, cluster: 'pay' }],
  clusters: { pay: { endpoints: ['https://pay.example.com'] } },
};

// Files a config names must be readable when it is loaded: the examples' secret and TLS files.
const files = mkdtempSync(join(tmpdir(), 'egress-proxy-def-'));
t.teardown(() => rmSync(files, { recursive: true, force: true }));
const file = (name: string) => {
  writeFileSync(join(files, name), 'x\n');
  return join(files, name);
};

function issues(raw: unknown): { path: string; message: string }[] {
  const r = resolveConfig(definition, raw, {});
  return r.ok ? [] : r.issues;
}

t.test('defaults are frugal and safe', async (t) => {
  const r = resolveConfig<ProxyConfig>(definition, minimal, {});
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const c = r.config;
  t.equal(c.listen, '127.0.0.1:4140');
  const route = c.routes[0]!;
  t.equal(route.timeout_ms, 15000);
  t.equal(route.retry.attempts, 2);
  t.same(route.retry.methods, ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'], 'idempotent methods only');
  t.equal(route.forwarded, 'none', 'nothing about the pod leaks by default');
  t.equal(route.via, true);
  const cluster = c.clusters.pay!;
  t.equal(cluster.lb, 'least_request');
  t.equal(cluster.outlier_detection.max_ejection_percent, 50);
  t.equal(cluster.circuit_breaker.max_pending, 1024);
  t.equal(c.listener.max_header_bytes, 16384);
});

t.test('the issue example validates', async (t) => {
  t.same(
    issues({
      listen: '127.0.0.1:4140',
      routes: [
        {
          name: 'payments',
          match: { path_prefix: '/payments/' },
          cluster: 'payments',
          strip_prefix: true,
          timeout_ms: 15000,
          retry: { attempts: 2, per_try_timeout_ms: 3000, on: ['connect_failure', 'reset', '502', '503', '504'] },
          request_headers: { set: { 'x-team': 'checkout' }, remove: ['x-debug'] },
          credentials: { header: 'authorization', file: file('token'), format: 'Bearer {value}' },
          rate_limit: { requests_per_second: 100, burst: 200 },
        },
      ],
      clusters: {
        payments: {
          endpoints: ['https://pay-1.example.com', 'https://pay-2.example.com'],
          lb: 'least_request',
          tls: { ca_file: file('ca.pem'), cert_file: file('tls.crt'), key_file: file('tls.key'), servername: 'pay.example.com' },
          health_check: { path: '/healthz', interval_ms: 5000, unhealthy_threshold: 3, healthy_threshold: 2 },
          outlier_detection: { consecutive_5xx: 5, base_ejection_ms: 30000, max_ejection_percent: 50 },
          circuit_breaker: { max_connections: 1024, max_pending: 1024, max_requests: 1024 },
        },
      },
    }),
    [],
  );
});

t.test('cross-field rules name the path', async (t) => {
  const found = issues({
    routes: [
      { name: 'a', match: {}, cluster: 'nope', strip_prefix: true },
      { name: 'a', match: { path_prefix: '/x/' }, cluster: 'pay', timeout_ms: 1000, retry: { per_try_timeout_ms: 2000 } },
    ],
    clusters: {
      pay: { endpoints: ['http://pay.example.com/api'], tls: { cert_file: file('c.pem') } },
      both: { endpoints: ['http://a:1'], dns: { name: 'svc:80' } },
    },
  });
  const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
  t.match(byPath['routes[0].cluster'], /unknown cluster "nope" \(clusters: pay, both\)/);
  t.match(byPath['routes[0].match'], /path_prefix, host or both/);
  t.match(byPath['routes[0].strip_prefix'], /need match.path_prefix/);
  t.match(byPath['routes[1].name'], /duplicate route name/);
  t.match(byPath['routes[1].retry.per_try_timeout_ms'], /longer than the route's timeout_ms/);
  t.match(byPath['clusters.pay.endpoints[0]'], /without a path/);
  t.match(byPath['clusters.pay.tls'], /no endpoint is https|cert_file and key_file/);
  t.match(byPath['clusters.both'], /exactly one of endpoints/);
});

t.test('schema errors: bad URL, unknown lb, unknown key', async (t) => {
  const found = issues({
    routes: [{ name: 'a', match: { path_prefix: '/' }, cluster: 'c', retrys: 1 }],
    clusters: { c: { endpoints: ['pay.example.com'], lb: 'fastest' } },
  });
  const paths = found.map((i) => i.path);
  t.ok(
    paths.some((p) => p.startsWith('clusters.c.endpoints')),
    JSON.stringify(found),
  );
  t.ok(paths.some((p) => p.startsWith('clusters.c.lb')));
  t.ok(paths.some((p) => p.includes('retrys')));
});

t.test('header rewrites: names must be tokens, values single-line', async (t) => {
  const found = issues({
    routes: [
      {
        name: 'a',
        match: { path_prefix: '/' },
        cluster: 'c',
        request_headers: { set: { 'x-ok': 'v', 'bad name': 'x', 'x-nl': 'a\r\nb' } },
      },
    ],
    clusters: { c: { endpoints: ['http://a:1'] } },
  });
  const paths = found.map((i) => i.path);
  t.ok(paths.includes('routes[0].request_headers.set."bad name"'), JSON.stringify(found));
  t.ok(paths.includes('routes[0].request_headers.set.x-nl'));
  const format = issues({
    routes: [
      {
        name: 'a',
        match: { path_prefix: '/' },
        cluster: 'c',
        credentials: { header: 'authorization', file: file('t'), format: 'Bearer {value}\r\nx-evil: 1' },
      },
    ],
    clusters: { c: { endpoints: ['http://a:1'] } },
  });
  t.same(format, [{ path: 'routes[0].credentials.format', message: 'must not contain line breaks' }]);
});

t.test('`check` opens no sockets and exits 78 on errors', async (t) => {
  const dir = await tempDir(t);
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'routes:\n  - name: a\n    match: { path_prefix: / }\n    cluster: missing\nclusters: {}\n');
  const err = await run(process.execPath, [bin, 'check', '-c', bad]).catch((e: { code: number; stdout: string; stderr: string }) => e);
  t.equal((err as { code: number }).code, 78);
  t.match(`${(err as { stdout: string }).stdout}${(err as { stderr: string }).stderr}`, /routes\[0\]\.cluster/);
  const good = join(dir, 'good.yaml');
  await writeFile(good, JSON.stringify(minimal));
  const ok = await run(process.execPath, [bin, 'check', '-c', good]);
  t.match(ok.stdout, /OK/);
});
