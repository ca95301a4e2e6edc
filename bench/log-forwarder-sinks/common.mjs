// Shared helpers of the log-forwarder sink benchmarks: the backlog file, process CPU / RSS from
// /proc, line-counting receivers (TCP, HTTP), and rsyslog started as our own process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const CLK_TCK = 100;

/** A backlog of `lines` lines of about 215 bytes (an nginx-like access log line). */
export async function makeBacklog(file, lines) {
  if (existsSync(file) && statSync(file).size > 0) return;
  const out = createWriteStream(file);
  const pad = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    chunk += `10.0.${(i >> 8) & 255}.${i & 255} - - [26/Nov/2026:10:00:00 +0000] "GET /api/v1/items/${String(i).padStart(9, '0')} HTTP/1.1" 200 512 "-" "${pad}"\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** utime+stime (seconds) and peak RSS (kB) of a live process. */
export function procStats(pid) {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // The process's own memory, without the file-backed pages of the node binary (~35-55 MB,
  // shared with every node process on the node) that VmHWM counts too.
  const anon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpu, hwmKb: hwm, anonKb: anon };
}

import { createRequire } from 'node:module';
import { freePort } from '../../packages/runtime/dist/src/testing/free-port.js';

const require = createRequire(import.meta.url);

/** A TCP server counting newline-terminated lines. */
export async function tcpCounter() {
  const state = { count: 0 };
  const sockets = new Set();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (chunk) => {
      let i = chunk.indexOf(10);
      while (i >= 0) {
        state.count++;
        i = chunk.indexOf(10, i + 1);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    state,
    port: server.address().port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** An HTTP server counting NDJSON lines in request bodies (gzip or not), answering 200. */
export async function httpCounter() {
  const state = { count: 0, requests: 0 };
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      let i = body.indexOf(10);
      while (i >= 0) {
        state.count++;
        i = body.indexOf(10, i + 1);
      }
      state.requests++;
      res.writeHead(200, { 'content-length': 2 }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { state, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

const servers = join(dirname(fileURLToPath(import.meta.url)), '../../packages/log-forwarder/dist/test/servers');

/**
 * The log-forwarder's protocol-faithful test receivers (compiled by `tsc -b`), counting what they
 * accept. What they store is dropped at each count so that 2 M lines do not pile up in this
 * process (a re-sent event is then not recognised, which a clean run does not need).
 */
export async function lokiCounter() {
  const { LokiTestServer } = await import(join(servers, 'loki.js'));
  const rx = await new LokiTestServer().listen();
  let n = 0;
  return {
    port: rx.port,
    count: () => {
      n += rx.entries.length;
      rx.entries.length = 0;
      rx.pushes.length = 0;
      return n;
    },
    close: () => rx.close(),
  };
}

export async function elasticsearchCounter() {
  const { ElasticsearchTestServer } = await import(join(servers, 'elasticsearch.js'));
  const rx = await new ElasticsearchTestServer().listen();
  let n = 0;
  return {
    port: rx.port,
    count: () => {
      for (const docs of rx.indices.values()) {
        n += docs.size;
        docs.clear();
      }
      rx.attempts.clear();
      rx.bulks.length = 0;
      return n;
    },
    close: () => rx.close(),
  };
}

/** OTLP/HTTP JSON decoded strictly (otlp-strict.ts): a request with one bad value is refused whole (400). */
export async function otlpCounter() {
  const { TestHttpServer, send } = await import(join(servers, 'http-server.js'));
  const { decodeExportLogsRequest } = await import(join(servers, 'otlp-strict.js'));
  const state = { count: 0, rejected: 0 };
  const rx = await new TestHttpServer((req, body, res) => {
    if (req.url !== '/v1/logs') return send(res, 404);
    try {
      state.count += decodeExportLogsRequest(body.toString()).length;
    } catch (err) {
      state.rejected++;
      return send(res, 400, JSON.stringify({ code: 3, message: err.message }));
    }
    send(res, 200, {});
  }).listen();
  return { port: rx.port, state, count: () => state.count, close: () => rx.close() };
}

/** Counts lines appended to a file (rsyslog's output) without re-reading it. */
export function fileLineCounter(file) {
  let offset = 0;
  let count = 0;
  const buf = Buffer.alloc(1 << 20);
  return () => {
    if (!existsSync(file)) return 0;
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) count++;
      }
    } finally {
      closeSync(fd);
    }
    return count;
  };
}

export { freePort };

/** rsyslogd as our own process with `conf` (a string), stopped by PID. */
export async function startRsyslog(dir, conf) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'rsyslog.conf');
  writeFileSync(path, conf);
  const child = spawn('rsyslogd', ['-n', '-f', path, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
  return child;
}

/**
 * Writes a benchmark forwarder's config to `path`: admin and probes on 127.0.0.1:0 (the default
 * probe port 0.0.0.0:9821 may be held by another sidecar on the machine, and the forwarder would
 * exit), warn-level logs, `state_dir`, then `rest` (sources, sinks, anything else; it may override
 * the first keys). Returns `path`.
 */
export function writeForwarderConfig(path, stateDir, rest) {
  const config = {
    admin: { listen: '127.0.0.1:0' },
    probes: { listen: '127.0.0.1:0' },
    log: { level: 'warn' },
    state_dir: stateDir,
    ...rest,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export async function waitUntil(fn, timeoutMs, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs `start()` (which spawns the measured process and returns it) until `done()`; samples CPU and RSS. */
export async function measure(name, lines, start, count, { timeoutMs = 600_000 } = {}) {
  const t0 = process.hrtime.bigint();
  const child = await start();
  let last = { cpu: 0, hwmKb: 0, anonKb: 0 };
  let peakAnonKb = 0;
  const ok = await waitUntil(() => {
    try {
      last = procStats(child.pid);
      peakAnonKb = Math.max(peakAnonKb, last.anonKb);
    } catch {}
    return count() >= lines;
  }, timeoutMs);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    last = procStats(child.pid);
  } catch {}
  child.kill(process.env.NODE_ARGS ? 'SIGTERM' : 'SIGKILL');
  await once(child, 'exit').catch(() => {});
  const result = {
    bench: 'log-forwarder-sinks',
    case: name,
    lines,
    delivered: count(),
    complete: ok,
    seconds: Math.round(seconds * 100) / 100,
    lines_per_s: Math.round(count() / seconds),
    cpu_s_per_million: Math.round((last.cpu / (lines / 1e6)) * 100) / 100,
    peak_rss_mb: Math.round(last.hwmKb / 1024),
    peak_anon_mb: Math.round(peakAnonKb / 1024),
    load_avg_1m: Math.round(loadavg()[0] * 100) / 100,
  };
  console.log(JSON.stringify(result));
  return result;
}
