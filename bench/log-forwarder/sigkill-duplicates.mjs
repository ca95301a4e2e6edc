#!/usr/bin/env node
// At-least-once, measured: how many lines a SIGKILL makes the log-forwarder send twice, per kill,
// for the `file` and `http` sinks with their default settings. An app appends numbered ~215-byte
// lines (quotes included) at RATE lines/s; the shipped bundle is SIGKILLed KILLS times at random
// moments and restarted from its checkpoint; at the end every line must have arrived (lost = 0)
// and the repeats each restart caused are compared with the in-flight window (the default
// `max_in_flight_bytes`, 8 MiB, in lines), which bounds them.
//
// Usage: node bench/log-forwarder/sigkill-duplicates.mjs   (CASES=file,http KILLS=10 RATE=50000)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFlags } from '../../scripts/node-flags.mjs';
import { writeForwarderConfig } from '../log-forwarder-sinks/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.BIN ?? join(here, '../../packages/log-forwarder/dist/bundle/log-forwarder.mjs');
const CASES = (process.env.CASES ?? 'file,http').split(',');
const KILLS = Number(process.env.KILLS ?? 10);
const RATE = Number(process.env.RATE ?? 50_000);
const KILL_MIN_MS = Number(process.env.KILL_MIN_MS ?? 1000);
const KILL_MAX_MS = Number(process.env.KILL_MAX_MS ?? 3000);
const WINDOW_BYTES = 8 * 1024 * 1024; // the default max_in_flight_bytes

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const line = (n) => `10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /items/${String(n).padStart(9, '0')} HTTP/1.1" 200 512 "-" "${UA}"`;
const LINE_BYTES = Buffer.byteLength(line(0)) + 1;
const idOf = (message) => Number(/\/items\/(\d{9}) /.exec(message)?.[1] ?? -1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Counts per line number, and the repeats attributed to the session (restart) that sent them. */
class Tally {
  seen = new Map();
  repeatsBySession = [0];
  session = 0;
  malformed = 0;
  add(id) {
    if (id < 0) {
      this.malformed++;
      return;
    }
    const n = this.seen.get(id) ?? 0;
    if (n > 0) this.repeatsBySession[this.session] = (this.repeatsBySession[this.session] ?? 0) + 1;
    this.seen.set(id, n + 1);
  }
  nextSession() {
    this.session++;
    this.repeatsBySession[this.session] = 0;
  }
}

async function httpReceiver(tally) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('error', () => {});
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        for (const l of Buffer.concat(chunks).toString('utf8').split('\n')) if (l) tally.add(idOf(JSON.parse(l).message));
      }
      res.writeHead(200, { 'content-length': 0 }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}/ingest`, close: () => server.close() };
}

/** Reads the file sink's output from where the last call stopped; a torn last line waits for the next call. */
function fileReader(path, tally) {
  let offset = 0;
  let rest = '';
  return () => {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (rest + buf.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      let message;
      try {
        message = JSON.parse(l).message;
      } catch {
        tally.malformed++;
        continue;
      }
      tally.add(idOf(message));
    }
  };
}

async function runCase(name) {
  const work = mkdtempSync(join(tmpdir(), `lf-bench-dup-${name}-`));
  mkdirSync(join(work, 'logs'));
  const tally = new Tally();
  const output = join(work, 'out.jsonl');
  let receiver;
  let sink;
  if (name === 'http') {
    receiver = await httpReceiver(tally);
    sink = { type: 'http', endpoint: receiver.url };
  } else {
    sink = { type: 'file', path: output };
  }
  const config = writeForwarderConfig(join(work, 'config.json'), join(work, 'state'), {
    sources: { app: { type: 'file', include: [join(work, 'logs', '*.log')], start_at: 'beginning' } },
    sinks: { out: { inputs: ['app'], ...sink } },
  });
  const read = name === 'file' ? fileReader(output, tally) : () => {};

  // The app: appends RATE lines/s in 10 ms steps while the forwarder is killed and restarted.
  let written = 0;
  let writing = true;
  const writer = (async () => {
    const started = Date.now();
    while (writing) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      let text = '';
      for (; written < due; written++) text += `${line(written)}\n`;
      if (text) appendFileSync(join(work, 'logs', 'app.log'), text);
      await sleep(10);
    }
  })();

  /** The forwarder, with a promise of its exit; one that exits on its own ends the run (its log says why). */
  const start = () => {
    const child = spawn(process.execPath, [...nodeFlags('log-forwarder'), bin, 'run', '-c', config], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out = (out + d).slice(-4000);
    });
    const exited = once(child, 'exit');
    let killed = false;
    return {
      child,
      exited,
      kill(signal) {
        killed = true;
        child.kill(signal);
        return exited;
      },
      check() {
        if (child.exitCode !== null && !killed) {
          writing = false;
          throw new Error(`the forwarder exited by itself (code ${child.exitCode}):\n${out}`);
        }
      },
    };
  };
  for (let k = 0; k < KILLS; k++) {
    const fwd = start();
    await sleep(KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS));
    fwd.check();
    await fwd.kill('SIGKILL');
    read();
    tally.nextSession();
  }
  writing = false;
  await writer;
  const last = start();
  const deadline = Date.now() + 300_000;
  while (tally.seen.size < written && Date.now() < deadline) {
    await sleep(100);
    last.check();
    read();
  }
  await last.kill('SIGTERM');
  read();
  receiver?.close();
  rmSync(work, { recursive: true, force: true });

  let lost = 0;
  for (let i = 0; i < written; i++) if (!tally.seen.has(i)) lost++;
  // Session k+1 repeats what session k had sent but not checkpointed: attribute it to kill k.
  const perKill = tally.repeatsBySession.slice(1, KILLS + 1);
  const sorted = [...perKill].sort((a, b) => a - b);
  // Each line counts 16 bytes of offsets besides its bytes against the window (in-flight-budget.ts).
  const windowLines = Math.floor(WINDOW_BYTES / (LINE_BYTES + 16));
  return {
    bench: 'log-forwarder sigkill duplicates',
    sink: name,
    lines: written,
    kills: KILLS,
    lost,
    malformed_lines: tally.malformed,
    duplicates_total: perKill.reduce((a, b) => a + b, 0),
    duplicates_per_kill_median: sorted[Math.floor(sorted.length / 2)] ?? 0,
    duplicates_per_kill_max: sorted.at(-1) ?? 0,
    in_flight_window_lines: windowLines,
    max_within_window: (sorted.at(-1) ?? 0) <= windowLines,
    per_kill: perKill,
  };
}

let failed = false;
for (const name of CASES) {
  const r = await runCase(name);
  console.log(JSON.stringify(r));
  if (r.lost > 0 || r.malformed_lines > 0 || !r.max_within_window) failed = true;
}
process.exitCode = failed ? 1 : 0;
