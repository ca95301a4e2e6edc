#!/usr/bin/env node
// What each import costs: every case is a few lines bundled the way the sidecars are
// (scripts/bundle.mjs: esbuild, ESM, its plugins) and run with `--max-semi-space-size=4`.
// Two views of each part: alone (bare + the part) and marginal (all parts, then all but this
// one): parts share Node's own modules (streams, net, tls, ...), so the alone costs do not add up.
// Start is spawn → the case's first line on stdout; RSS is read from /proc IDLE_MS after it.
// Usage: node bench/footprint/imports.mjs [part...]      (RUNS=5 IDLE_MS=3000)
//   PARTS=all   the parts of the log-forwarder with an HTTP sink (default: the runtime's parts)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundlePlugins } from '../../scripts/bundle-plugins.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.env.RUNS ?? 5);
const idleMs = Number(process.env.IDLE_MS ?? 3000);
const flags = ['--max-semi-space-size=4'];

// Each part does what the sidecars do with it (resolved from the packages that depend on it).
const parts = {
  'node:http server': [
    "import { createServer } from 'node:http';",
    "await new Promise((ok) => createServer().listen(0, '127.0.0.1', ok));",
  ],
  yaml: ["import { parseDocument } from 'yaml';", "parseDocument('a: 1\\nb: [x, y]\\n').toJS();"],
  typebox: [
    "import { Type } from '@sinclair/typebox';",
    "Type.Object({ a: Type.String({ default: 'x' }), b: Type.Union([Type.Literal('p'), Type.Literal('q')]) });",
  ],
  pino: [
    "import { pino } from 'pino';",
    "pino({ redact: { paths: ['a', '*.b'], censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: false })).info('x');",
  ],
  'prom-client': [
    "import { Gauge, Registry } from 'prom-client';",
    "const reg = new Registry(); new Gauge({ name: 'g', help: 'h', registers: [reg] }).set(1); await reg.metrics();",
  ],
  collectDefaultMetrics: [
    "import { collectDefaultMetrics, Registry as R2 } from 'prom-client';",
    'const reg2 = new R2(); collectDefaultMetrics({ register: reg2 }); await reg2.metrics();',
  ],
  undici: ["import { Pool } from 'undici';", "new Pool('http://127.0.0.1:9');"],
  chokidar: ["import { watch } from 'chokidar';", "await new Promise((ok) => watch(process.cwd(), { depth: 0 }).on('ready', ok));"],
  picomatch: ["import picomatch from 'picomatch';", "picomatch('/var/log/**/*.log')('/var/log/a.log');"],
};
// A part that uses another is left out with it.
const needs = { collectDefaultMetrics: 'prom-client' };
const runtimeParts = ['node:http server', 'yaml', 'typebox', 'pino', 'prom-client', 'collectDefaultMetrics'];
const all = process.env.PARTS === 'all' ? Object.keys(parts) : runtimeParts;
const chosen = process.argv.length > 2 ? process.argv.slice(2) : all;

const source = (names) => {
  const ps = names.map((n) => parts[n]);
  return [...ps.map((p) => p[0]), ...ps.map((p) => p[1])].join('\n');
};
const cases = { bare: [], all };
for (const name of chosen) cases[name] = [name];
if (all.length > 1) for (const name of chosen) cases[`all but ${name}`] = all.filter((n) => n !== name && needs[n] !== name);

// Written straight to the pipe: process.stdout would load streams and net into every case.
const ready = "process.getBuiltinModule('node:fs').writeSync(1, 'ready\\n');\nsetInterval(() => {}, 60_000);\n";

async function rssOf(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const mb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)[1]) / 1024;
  return { rss: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
}

async function once(file) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...flags, file], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', () => reject(new Error(`${file} exited`)));
  });
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, idleMs));
  const mem = await rssOf(child.pid);
  child.kill();
  await new Promise((r) => child.on('exit', r));
  return { startMs, ...mem };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const dir = await mkdtemp(join(tmpdir(), 'outrigger-imports-'));
try {
  const files = {};
  for (const [i, [name, names]] of Object.entries(cases).entries()) {
    const out = join(dir, `case${i}.mjs`);
    await build({
      stdin: { contents: `${source(names)}\n${ready}`, resolveDir: join(root, 'packages/runtime'), loader: 'js' },
      nodePaths: ['log-forwarder', 'egress-proxy'].map((p) => join(root, 'packages', p, 'node_modules')),
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.18',
      logLevel: 'warning',
      plugins: bundlePlugins,
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    files[name] = out;
  }
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  // Interleaved rounds: a burst of load from other work on the machine hits every case alike.
  for (let r = 0; r < runs; r++) for (const name of Object.keys(cases)) results[name].push(await once(files[name]));
  const m = (name, k) => median(results[name].map((x) => x[k]));
  const row = (name, extra) =>
    console.log(
      JSON.stringify({
        case: name,
        idle_rss_mb: +m(name, 'rss').toFixed(1),
        anon_mb: +m(name, 'anon').toFixed(1),
        file_mb: +m(name, 'file').toFixed(1),
        start_ms: +m(name, 'startMs').toFixed(1),
        ...extra,
      }),
    );
  row('bare');
  row('all', {
    rss_over_bare_mb: +(m('all', 'rss') - m('bare', 'rss')).toFixed(1),
    start_over_bare_ms: +(m('all', 'startMs') - m('bare', 'startMs')).toFixed(1),
  });
  for (const name of chosen) {
    const but = `all but ${name}`;
    row(name, {
      alone_rss_mb: +(m(name, 'rss') - m('bare', 'rss')).toFixed(1),
      alone_start_ms: +(m(name, 'startMs') - m('bare', 'startMs')).toFixed(1),
      ...(results[but]
        ? {
            marginal_rss_mb: +(m('all', 'rss') - m(but, 'rss')).toFixed(1),
            marginal_start_ms: +(m('all', 'startMs') - m(but, 'startMs')).toFixed(1),
          }
        : {}),
    });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
