#!/usr/bin/env node
// CONNECT tunnels through the egress-proxy's forward-proxy mode: MB/s of one 100 MB download
// through a tunnel, and tunnels/s (CONNECT, one byte each way, close) at a fixed concurrency,
// beside a direct connection and, when installed, tinyproxy and squid (the anchors; neither is
// in this machine's image, so they print "not installed" here).
//
// Usage: node bench/egress-proxy/tunnel.mjs   (BENCH_DURATION_S=5, BENCH_CONCURRENCY=50, BENCH_MB=100)
// Needs: `npm run build` done (it measures the bundle that ships).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

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
    `listen: 127.0.0.1:${port}\nadmin: { listen: "127.0.0.1:0" }\nlog: { level: warn }\nlistener: { access_log: false }\n` +
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

const results = [];
results.push({ peer: 'direct', download_mb_per_s: await download(undefined), ...(await tunnelsPerSecond(undefined)) });
const o = await outrigger();
results.push({ peer: 'outrigger egress-proxy', download_mb_per_s: await download(o.port), ...(await tunnelsPerSecond(o.port)) });
o.child.kill('SIGTERM');
for (const anchor of ['tinyproxy', 'squid']) {
  // Not installed in this machine's image; a run where they are installed adds them here.
  if (!installed(anchor)) results.push({ peer: anchor, note: 'not installed' });
}
for (const r of results) console.log(JSON.stringify(r));
target.close();
process.exit(0);
