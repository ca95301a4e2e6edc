#!/usr/bin/env node
// egress-proxy throughput, latency, CPU and memory beside the anchors, in one run:
// wrk (Debian's package) → {direct, nginx, haproxy, node-http-proxy, @fastify/http-proxy,
// outrigger egress-proxy} → one fast upstream (nginx serving 100 B and 64 KiB files).
// Reports req/s, p50/p99 (wrk), CPU µs per request and peak RSS of the proxy process, and the
// latency each proxy adds at a fixed 1,000 req/s.
//
// Usage: node bench/egress-proxy/run.mjs            (BENCH_DURATION_S=5, BENCH_CONNECTIONS=50,
//        BENCH_FIXED_S=… seconds at the fixed rate (default BENCH_DURATION_S),
//        BENCH_ALLOC=1 BENCH_STRACE=1 for JS bytes allocated and syscalls per request)
//        PEERS=nginx,outrigger,outrigger\ base BASE_BIN=/tmp/main/egress-proxy.mjs node ...  (before/after)
//        PEERS='nginx,outrigger,outrigger + --optimize-for-size' node ...  (Node flags added to the shipped ones)
//        BENCH_MEMORY_LIMIT=192Mi node ...  (the Node peers in a memory cgroup with the pod's limit; root)
// The 'raw data path (prototype)' peer is bench/egress-proxy/raw-path.mjs (see its header).
// Needs: nginx, haproxy, wrk on PATH; `npm run build` done (it measures the bundle that ships).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../packages/runtime/dist/src/testing/free-port.js';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { memoryLimit, parseQuantity } from '../memory-limit.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, '../../packages/egress-proxy');
const require = createRequire(join(pkgDir, 'package.json'));
const { Pool } = require('undici');
const run = promisify(execFile);

const DURATION = Number(process.env.BENCH_DURATION_S ?? 5);
// Load-independent columns (the machine is often shared): BENCH_ALLOC=1 runs the Node peers with
// --trace-gc-nvp and reports the JS heap bytes allocated per request; BENCH_STRACE=1 counts the
// proxy's syscalls per request under `strace -c -f` in an extra 2 s run (slowed by strace, but the
// counts per exchange hold).
const ALLOC = process.env.BENCH_ALLOC === '1';
const STRACE = process.env.BENCH_STRACE === '1';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = 1000;
// Seconds of the fixed-rate run (its p99 is the 1 % tail of RATE × this many requests).
const FIXED_S = Number(process.env.BENCH_FIXED_S ?? process.env.BENCH_DURATION_S ?? 5);
const TICK = 100; // CLK_TCK on Linux
// The manifests give the egress-proxy `limits.memory: 192Mi`; V8 sizes its heap from the limit.
const LIMIT = process.env.BENCH_MEMORY_LIMIT ? parseQuantity(process.env.BENCH_MEMORY_LIMIT) : undefined;

const dir = mkdtempSync(join(tmpdir(), 'bench-egress-'));
const children = [];
const cgroup = LIMIT === undefined ? undefined : memoryLimit(LIMIT, `outrigger-bench-${process.pid}`);
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  cgroup?.remove();
});
process.on('SIGINT', () => process.exit(130));

async function waitPort(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' });
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(cmd, args, env = {}, stdout = 'ignore') {
  const child = spawn(cmd, args, { stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** A Node peer (with --trace-gc-nvp into its own log under BENCH_ALLOC), once its port opens. */
let gcLogs = 0;
async function startNode(port, args) {
  const gcLog = ALLOC ? join(dir, `gc-${++gcLogs}.log`) : undefined;
  const argv = ALLOC ? ['--trace-gc-nvp', ...args] : args;
  // In the cgroup the shell execs node, so the child's pid is node's for /proc sampling.
  const [cmd, cmdArgs] = cgroup === undefined ? [process.execPath, argv] : cgroup.wrap(process.execPath, argv);
  const child = start(cmd, cmdArgs, {}, gcLog === undefined ? 'ignore' : openSync(gcLog, 'w'));
  await waitPort(port);
  return { port, pid: child.pid, gcLog };
}

/** JS heap bytes allocated so far, summed over the GCs in a --trace-gc-nvp log. */
function allocatedBytes(gcLog) {
  if (gcLog === undefined || !existsSync(gcLog)) return undefined;
  let sum = 0;
  for (const m of readFileSync(gcLog, 'utf8').matchAll(/ allocated=(\d+)/g)) sum += Number(m[1]);
  return sum;
}

/** Syscalls per request of `pid` over a 2 s wrk run under `strace -c -f`. */
async function syscallsPerRequest(pid, port, path) {
  const out = join(dir, `strace-${pid}.txt`);
  const tracer = spawn('strace', ['-c', '-f', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const w = await wrk(port, path, 2);
  tracer.kill('SIGINT');
  await new Promise((r) => tracer.once('close', r));
  const counts = {};
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
    if (m && m[2] !== 'total') counts[m[2]] = Number(m[1]);
  }
  const per = (name) => (counts[name] ?? 0) / w.total;
  const io = ['read', 'readv', 'recvfrom', 'recvmsg', 'write', 'writev', 'sendto', 'sendmsg', 'epoll_wait', 'epoll_pwait'];
  return Object.fromEntries(io.filter((n) => counts[n] !== undefined).map((n) => [n, Number(per(n).toFixed(2))]));
}

function nginxConf(name, port, body) {
  const d = join(dir, name);
  mkdirSync(join(d, 'tmp'), { recursive: true });
  const conf = join(d, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; error_log ${d}/error.log warn; pid ${d}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp/b; proxy_temp_path ${d}/tmp/p; fastcgi_temp_path ${d}/tmp/f; uwsgi_temp_path ${d}/tmp/u; scgi_temp_path ${d}/tmp/s;
  keepalive_requests 1000000; keepalive_timeout 75s;
  server { listen 127.0.0.1:${port}; ${body} }
}`,
  );
  return { d, conf };
}

async function startNginx(name, body, upstreams = '') {
  const port = await freePort();
  const { d, conf } = nginxConf(name, port, body);
  if (upstreams) writeFileSync(conf, readFileSync(conf, 'utf8').replace('http {', `http {\n  ${upstreams}`));
  const child = start('nginx', ['-p', d, '-c', conf, '-e', join(d, 'error.log')]);
  await waitPort(port);
  return { port, pid: child.pid };
}

// The upstream: static files, so it is as cheap as it gets.
const www = join(dir, 'www');
mkdirSync(www);
writeFileSync(join(www, 'small'), 'x'.repeat(100));
writeFileSync(join(www, 'large'), Buffer.alloc(64 * 1024, 'y'));
const upstream = await startNginx('upstream', `root ${www}; location / { default_type application/octet-stream; }`);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;

async function startPeer(name) {
  const port = await freePort();
  // 'outrigger + <node flags>': the shipped bundle with its flags and these after them.
  const plus = /^outrigger \+ (.+)$/.exec(name);
  switch (plus ? 'outrigger' : name) {
    case 'direct':
      return { port: upstream.port, pid: undefined };
    case 'nginx':
      return startNginx(
        'nginx-proxy',
        `location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering on; }`,
        `upstream up { server 127.0.0.1:${upstream.port}; keepalive 64; }`,
      );
    case 'haproxy': {
      const cfg = join(dir, 'haproxy.cfg');
      writeFileSync(
        cfg,
        `global\n  nbthread 1\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  option http-keep-alive\n` +
          `frontend f\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  http-reuse always\n  server s1 127.0.0.1:${upstream.port}\n`,
      );
      const child = start('haproxy', ['-f', cfg, '-db']);
      await waitPort(port);
      return { port, pid: child.pid };
    }
    case 'node-http-proxy': {
      const script = join(dir, 'http-proxy.cjs');
      writeFileSync(
        script,
        `const http = require('node:http'); const httpProxy = require(${JSON.stringify(require.resolve('http-proxy'))});
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: ${JSON.stringify(upstreamUrl)}, agent });
proxy.on('error', (e, req, res) => { res.writeHead(502); res.end(); });
http.createServer((req, res) => proxy.web(req, res)).listen(${port}, '127.0.0.1');`,
      );
      return startNode(port, [script]);
    }
    case '@fastify/http-proxy': {
      const script = join(dir, 'fastify-proxy.cjs');
      writeFileSync(
        script,
        `const fastify = require(${JSON.stringify(require.resolve('fastify'))})({ logger: false });
fastify.register(require(${JSON.stringify(require.resolve('@fastify/http-proxy'))}), { upstream: ${JSON.stringify(upstreamUrl)} });
fastify.listen({ port: ${port}, host: '127.0.0.1' });`,
      );
      return startNode(port, [script]);
    }
    case 'raw data path (prototype)': {
      // bench/egress-proxy/raw-path.mjs: the data path on raw sockets, with the sidecar's flags.
      return startNode(port, [...nodeFlags('egress-proxy'), join(here, 'raw-path.mjs'), String(port), String(upstream.port)]);
    }
    case 'outrigger':
    case 'outrigger base':
    case 'outrigger V8 default heap':
    case 'outrigger semi-space 1 MB':
    case 'outrigger semi-space 2 MB':
    case 'outrigger semi-space 4 MB':
    case 'outrigger semi-space 8 MB': {
      const cfg = join(dir, 'egress.yaml');
      writeFileSync(
        cfg,
        JSON.stringify({
          listen: `127.0.0.1:${port}`,
          admin: { listen: '127.0.0.1:0' },
          probes: { listen: '127.0.0.1:0' },
          log: { level: 'warn' },
          listener: { access_log: false },
          routes: [{ name: 'up', match: { path_prefix: '/' }, cluster: 'up' }],
          clusters: { up: { endpoints: [upstreamUrl] } },
        }),
      );
      // 'outrigger' runs with the sidecar's own Node flags (package.json outrigger.nodeFlags);
      // the variants show the memory/CPU trade of a smaller young generation.
      const semi = /semi-space (\d+) MB/.exec(name);
      const flags = semi ? [`--max-semi-space-size=${semi[1]}`] : name.includes('V8 default') ? [] : nodeFlags('egress-proxy');
      if (plus) flags.push(...plus[1].split(' '));
      // BASE_BIN: another build (e.g. main's bundle in a temp dir) measured in the same run.
      const bin = name === 'outrigger base' ? process.env.BASE_BIN : process.env.BIN;
      if (name === 'outrigger base' && bin === undefined) throw new Error('the "outrigger base" peer needs BASE_BIN');
      return startNode(port, [...flags, bin ?? join(pkgDir, 'dist/bundle/egress-proxy.mjs'), 'run', '-c', cfg]);
    }
  }
  throw new Error(name);
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function ms(text) {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function wrk(port, path, seconds) {
  const { stdout } = await run('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}${path}`], {
    maxBuffer: 1 << 20,
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const total = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(stdout)?.[0];
  return { rps, total, p50: ms(/ 50%\s+(\S+)/.exec(stdout)?.[1] ?? ''), p99: ms(/ 99%\s+(\S+)/.exec(stdout)?.[1] ?? ''), errors };
}

/** Latency at a fixed request rate (open loop), p50/p99 in ms. */
async function fixedRate(port, seconds) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32 });
  const latencies = [];
  let failures = 0;
  const inflight = new Set();
  const started = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      while (sent < due && sent < seconds * RATE) {
        sent++;
        const t0 = performance.now();
        const p = pool
          .request({ path: '/small', method: 'GET' })
          .then(async (res) => {
            await res.body.dump();
            latencies.push(performance.now() - t0);
          })
          .catch(() => failures++)
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      if (sent >= seconds * RATE) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inflight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (x) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * x))];
  return { p50: q(0.5), p99: q(0.99), failures };
}

const allPeers = [
  'direct',
  'nginx',
  'haproxy',
  'node-http-proxy',
  '@fastify/http-proxy',
  'outrigger',
  'raw data path (prototype)',
  'outrigger V8 default heap',
  'outrigger semi-space 1 MB',
  'outrigger semi-space 2 MB',
  'outrigger semi-space 8 MB',
];
// PEERS=direct,outrigger to run some of them.
const peers = process.env.PEERS ? process.env.PEERS.split(',') : allPeers;
const results = [];
for (const name of peers) {
  const peer = await startPeer(name);
  for (const [label, path] of [
    ['100 B', '/small'],
    ['64 KiB', '/large'],
  ]) {
    await wrk(peer.port, path, 1); // warm-up
    const cpu0 = peer.pid ? cpuTicks(peer.pid) : 0;
    const alloc0 = allocatedBytes(peer.gcLog);
    let rss = 0;
    const sampler = peer.pid ? setInterval(() => (rss = Math.max(rss, rssBytes(peer.pid))), 200) : undefined;
    const w = await wrk(peer.port, path, DURATION);
    clearInterval(sampler);
    const cpuUs = peer.pid ? ((cpuTicks(peer.pid) - cpu0) / TICK / w.total) * 1e6 : undefined;
    const alloc1 = allocatedBytes(peer.gcLog);
    const row = {
      bench: 'egress-proxy',
      peer: name,
      body: label,
      ...w,
      cpu_us_per_req: cpuUs,
      rss_mb: peer.pid ? rss / 2 ** 20 : undefined,
      js_bytes_per_req: alloc0 === undefined || alloc1 === undefined ? undefined : Math.round((alloc1 - alloc0) / w.total),
      syscalls_per_req: STRACE && peer.pid ? await syscallsPerRequest(peer.pid, peer.port, path) : undefined,
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  if (['direct', 'nginx', 'raw data path (prototype)'].includes(name) || name.startsWith('outrigger')) {
    // CPU per request at the fixed rate too: without load to batch on, every request pays its
    // own wake-ups and timers, and a proxy that needs more than its share of a contended core queues.
    const cpu0 = peer.pid ? cpuTicks(peer.pid) : 0;
    const fr = await fixedRate(peer.port, FIXED_S);
    const cpuUs = peer.pid ? ((cpuTicks(peer.pid) - cpu0) / TICK / (FIXED_S * RATE)) * 1e6 : undefined;
    const row = { bench: 'egress-proxy', peer: name, body: '100 B', fixed_rate: RATE, ...fr, cpu_us_per_req: cpuUs };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  if (peer.pid) {
    const child = children.find((c) => c.pid === peer.pid);
    if (child !== undefined && child.exitCode === null) {
      // reaped before the next peer starts, so the memory cgroup is empty when the run ends
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

const f = (v, d = 0) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
if (LIMIT !== undefined) console.log(`\nNode peers ran in a memory cgroup limited to ${process.env.BENCH_MEMORY_LIMIT}.`);
console.log('\n| peer | body | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- |');
for (const r of results.filter((r) => r.rps !== undefined)) {
  console.log(`| ${r.peer} | ${r.body} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.cpu_us_per_req, 1)} | ${f(r.rss_mb)} |`);
}
const direct = results.find((r) => r.fixed_rate && r.peer === 'direct');
console.log(`\n| at ${RATE} req/s (100 B) | p50 ms | p99 ms | added p99 ms | CPU µs/req |\n| --- | --- | --- | --- | --- |`);
for (const r of results.filter((r) => r.fixed_rate)) {
  console.log(
    `| ${r.peer} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(direct ? r.p99 - direct.p99 : undefined, 2)} | ${f(r.cpu_us_per_req, 1)} |`,
  );
}
if (ALLOC || STRACE) {
  console.log('\n| peer | body | JS bytes allocated/req | syscalls/req |\n| --- | --- | --- | --- |');
  for (const r of results.filter((r) => r.rps !== undefined && r.cpu_us_per_req !== undefined)) {
    const sys =
      r.syscalls_per_req === undefined
        ? '–'
        : Object.entries(r.syscalls_per_req)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ');
    console.log(`| ${r.peer} | ${r.body} | ${f(r.js_bytes_per_req)} | ${sys} |`);
  }
}
process.exit(0);
