#!/usr/bin/env node
// CONNECT tunnels through the egress-proxy's forward-proxy mode: MB/s of one 100 MB download
// through a tunnel, and tunnels/s (CONNECT, one byte each way, close) at a fixed concurrency,
// beside a direct connection and, when installed, tinyproxy and squid (the anchors; a peer that is
// not installed prints "not installed"). Per proxy also its CPU (user+system from /proc) per MB
// downloaded and per tunnel, and its peak RSS (VmHWM).
//
// Usage: node bench/egress-proxy/tunnel.mjs   (BENCH_DURATION_S=5, BENCH_CONCURRENCY=50, BENCH_MB=100)
// Needs: `npm run build` done (it measures the bundle that ships).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/dist/src/testing/free-port.js';
import { nodeFlags } from '../../scripts/node-flags.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, '../../packages/egress-proxy');
const DURATION = Number(process.env.BENCH_DURATION_S ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const MB = Number(process.env.BENCH_MB ?? 100);

const dir = mkdtempSync(join(tmpdir(), 'bench-tunnel-'));
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// The target: `d` → MB megabytes then close; anything else → echoed.
const chunk = Buffer.alloc(1024 * 1024, 'x');
const target = createServer((s) => {
  s.on('error', () => {});
  s.once('data', (d) => {
    if (d[0] === 100 /* d */) {
      let left = MB;
      const pump = () => {
        while (left > 0) {
          left--;
          if (!s.write(chunk)) return s.once('drain', pump);
        }
        s.end();
      };
      pump();
    } else {
      s.end(d);
    }
  });
});
await new Promise((r) => target.listen(0, '127.0.0.1', r));
const targetPort = target.address().port;

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      }).on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

/** A socket to the target: direct, or through CONNECT on `proxyPort`. */
function open(proxyPort) {
  return new Promise((resolve, reject) => {
    if (proxyPort === undefined) {
      const s = connect(targetPort, '127.0.0.1', () => resolve(s)).on('error', reject);
      return;
    }
    const s = connect(proxyPort, '127.0.0.1', () =>
      s.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n\r\n`),
    );
    s.on('error', reject);
    let head = '';
    const onData = (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      s.off('data', onData);
      if (!head.startsWith('HTTP/1.1 200') && !head.startsWith('HTTP/1.0 200')) return reject(new Error(head.split('\r\n')[0]));
      resolve(s);
    };
    s.on('data', onData);
  });
}

async function download(proxyPort) {
  const s = await open(proxyPort);
  const started = performance.now();
  let bytes = 0;
  await new Promise((resolve) => {
    s.on('data', (d) => {
      bytes += d.length;
    });
    s.on('close', resolve);
    s.write('d');
  });
  return (bytes / 1e6 / ((performance.now() - started) / 1000)).toFixed(1);
}

async function tunnelsPerSecond(proxyPort) {
  const deadline = Date.now() + DURATION * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        try {
          const s = await open(proxyPort);
          await new Promise((resolve) => {
            s.once('data', () => s.destroy());
            s.on('close', resolve);
            s.write('p');
          });
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { tunnels_per_s: Math.round(done / DURATION), errors };
}

async function outrigger() {
  const port = await freePort();
  const cfg = join(dir, 'egress.yaml');
  writeFileSync(
    cfg,
    `listen: 127.0.0.1:${port}\nadmin: { listen: "127.0.0.1:0" }\nprobes: { listen: "127.0.0.1:0" }\nlog: { level: warn }\nlistener: { access_log: false }\n` +
      `forward_proxy: { enabled: true, allow: ["127.0.0.1"], connect_ports: [${targetPort}] }\n`,
  );
  const child = spawn(
    process.execPath,
    [...nodeFlags('egress-proxy'), process.env.BIN ?? join(pkgDir, 'dist/bundle/egress-proxy.mjs'), 'run', '-c', cfg],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  await waitPort(port);
  return { port, child };
}

function installed(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** utime+stime in seconds and VmHWM in MB of a live process. */
function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpu: (Number(f[11]) + Number(f[12])) / 100, rssMb: Math.round(hwm / 1024) };
}

async function tinyproxy() {
  const port = await freePort();
  const cfg = join(dir, 'tinyproxy.conf');
  // Foreground, no log file, CONNECT to the target's port only; the same limits as ours.
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 600',
      'MaxClients 1000',
      'Allow 127.0.0.1',
      `ConnectPort ${targetPort}`,
      'LogLevel Critical',
      'DisableViaHeader Yes',
    ]
      .concat(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : [])
      .join('\n'),
  );
  const child = spawn('tinyproxy', ['-d', '-c', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitPort(port);
  return { port, child };
}

async function squid() {
  const port = await freePort();
  const cfg = join(dir, 'squid.conf');
  writeFileSync(
    cfg,
    [
      `http_port 127.0.0.1:${port}`,
      `acl target port ${targetPort}`,
      'acl CONNECT method CONNECT',
      'http_access allow CONNECT target',
      'http_access deny all',
      'cache deny all',
      'access_log none',
      `cache_log ${join(dir, 'squid-cache.log')}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      'workers 1',
    ].join('\n'),
  );
  const child = spawn('squid', ['-N', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitPort(port);
  return { port, child };
}

/** Download then tunnels/s through one proxy, with its CPU per MB and per tunnel. */
async function measure(peer, started) {
  const { port, child } = started;
  const a = proc(child.pid);
  const mbPerS = await download(port);
  const b = proc(child.pid);
  const t = await tunnelsPerSecond(port);
  const c = proc(child.pid);
  child.kill('SIGTERM');
  return {
    peer,
    download_mb_per_s: mbPerS,
    cpu_ms_per_mb: Math.round(((b.cpu - a.cpu) * 1000 * 10) / MB) / 10,
    ...t,
    cpu_us_per_tunnel: t.tunnels_per_s > 0 ? Math.round(((c.cpu - b.cpu) * 1e6) / (t.tunnels_per_s * DURATION)) : null,
    peak_rss_mb: c.rssMb,
  };
}

const results = [];
results.push({ peer: 'direct', download_mb_per_s: await download(undefined), ...(await tunnelsPerSecond(undefined)) });
results.push(await measure('outrigger egress-proxy', await outrigger()));
for (const [anchor, start] of [
  ['tinyproxy', tinyproxy],
  ['squid', squid],
]) {
  if (!installed(anchor)) results.push({ peer: anchor, note: 'not installed' });
  else results.push(await measure(anchor, await start()));
}
for (const r of results) console.log(JSON.stringify(r));
target.close();
process.exit(0);
