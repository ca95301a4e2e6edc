#!/usr/bin/env node
// The demo pod, on local defaults: a legacy app and the three sidecars as processes sharing this
// machine's loopback (the pod's network namespace) and a temp directory (its emptyDir volume).
// It calls the app the way a new client would, shows what each sidecar did, then shuts the pod
// down as Kubernetes would (SIGTERM) and exits 0 only if every part behaved.
//   npm run demo               run the scenario and stop
//   npm run demo -- --serve    keep the pod running until Ctrl-C (or q)
//   npm run demo -- --one-process   the three sidecars in one process (`outrigger run -c pod.yaml`)
//   npm run demo -- --pod      the same pod in podman, from the images (scripts/demo-pod.mjs)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Ports from below the kernel's ephemeral range, so none is taken by another program's connection
// between the check and the sidecar's bind (the helper the tests use; built by setup with the rest).
import { freePort } from '../packages/runtime/dist/src/testing/free-port.js';
import { nodeFlags } from './node-flags.mjs';
import { reRunUnderSupportedNode } from './node-version.mjs';

await reRunUnderSupportedNode();

if (process.argv.includes('--pod')) {
  await import('./demo-pod.mjs');
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const serve = process.argv.includes('--serve');
const oneProcess = process.argv.includes('--one-process');
const children = [];
let failed = false;

function check(ok, what) {
  console.log(`${ok ? '  ✔' : '  ✘'} ${what}`);
  if (!ok) failed = true;
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Each container in its own process group: Ctrl-C in the terminal reaches only this script, which
// then stops the pod the way the kubelet does (SIGTERM to every container, in order).
function start(name, args, env) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const logs = [];
  child.stdout.setEncoding('utf8').on('data', (d) => logs.push(d));
  child.stderr.setEncoding('utf8').on('data', (d) => logs.push(d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const entry = { name, child, logs, exited };
  children.push(entry);
  return entry;
}

function sidecar(name, env) {
  const bin = join(root, 'packages', name, 'dist/bundle', `${name}.mjs`);
  return start(name, [...nodeFlags(name), bin, 'run', '-c', join(root, 'examples/demo', `${name}.yaml`)], env);
}

// The pod config of the one-process variant: the runtime keys once, then each demo file as its
// section. The demo files keep their runtime keys on one line each, so dropping those lines and
// indenting the rest is enough (and the three files stay the one source of the demo's config).
async function writePodConfig(file) {
  const runtimeKey = /^(admin|probes|log|shutdown|config_watch):/;
  const sections = [];
  for (const name of ['log-forwarder', 'egress-proxy', 'api-adapter']) {
    const text = await readFile(join(root, 'examples/demo', `${name}.yaml`), 'utf8');
    const body = text.split('\n').filter((line) => !runtimeKey.test(line) && !line.startsWith('# yaml-language-server'));
    sections.push(`${name.replace(/-/g, '_')}:\n${body.map((line) => (line ? `  ${line}` : line)).join('\n')}`);
  }
  const runtime = [
    'admin: { listen: "127.0.0.1:${POD_ADMIN_PORT}" }',
    'probes: { listen: "127.0.0.1:${POD_PROBE_PORT}" }',
    'shutdown: { drain_timeout_ms: 2000 }',
  ];
  await writeFile(file, `${[...runtime, ...sections].join('\n')}\n`);
}

// A stop request (Ctrl-C, SIGTERM) ends --serve; during the scenario it waits for its end.
const stopRequested = new Promise((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => resolve(signal));
});
process.on('exit', () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});

// In a terminal, Ctrl-C is read as a key rather than sent as SIGINT to the whole foreground
// process group: npm's `sh -c` (dash on Debian) would otherwise end by SIGINT even though the pod
// stopped cleanly, and `npm run demo` would not exit 0.
function keyPressed() {
  const stdin = process.stdin;
  if (!stdin.isTTY) return new Promise(() => {});
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    stdin.on('data', (key) => {
      if (key.includes(0x03) || key.includes(0x04) || key.includes(0x71)) {
        stdin.setRawMode(false);
        stdin.pause();
        resolve();
      }
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'outrigger-demo-'));
const ports = {};
for (const key of [
  'PAYMENTS_PORT',
  'EGRESS_PORT',
  'EGRESS_ADMIN_PORT',
  'APP_PORT',
  'ADAPTER_PORT',
  'ADAPTER_ADMIN_PORT',
  'FORWARDER_ADMIN_PORT',
  'FORWARDER_PROBE_PORT',
  'EGRESS_PROBE_PORT',
  'ADAPTER_PROBE_PORT',
  'POD_ADMIN_PORT',
  'POD_PROBE_PORT',
]) {
  ports[key] = String(await freePort());
}
const env = { ...ports, DEMO_DIR: dir, POD_NAME: 'demo-7f9c', POD_NAMESPACE: 'shop', LOG_LEVEL: 'warn' };

// The outside world: a payments service that wants a bearer token.
const seen = [];
const payments = createServer((req, res) => {
  seen.push({ url: req.url, authorization: req.headers.authorization, team: req.headers['x-team'] });
  if (req.headers.authorization !== 'Bearer demo-token-1') return res.writeHead(401).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ balance: '12.50' }));
}).listen(Number(ports.PAYMENTS_PORT), '127.0.0.1');

let exitCode = 0;
try {
  await mkdir(join(dir, 'logs'));
  await mkdir(join(dir, 'secrets'));
  await writeFile(join(dir, 'secrets/payments-token'), 'demo-token-1\n');

  console.log(`Outrigger demo pod (shared volume: ${dir})${oneProcess ? ', the sidecars in one process' : ''}`);
  let containers;
  let admins;
  if (oneProcess) {
    const podConfig = join(dir, 'pod.yaml');
    await writePodConfig(podConfig);
    const bin = join(root, 'packages/outrigger/dist/bundle/outrigger.mjs');
    containers = [start('outrigger', [...nodeFlags('outrigger'), bin, 'run', '-c', podConfig], env)];
    admins = { outrigger: ports.POD_ADMIN_PORT };
  } else {
    // Stopped in this order: the app's front door first, the log shipper last.
    containers = [sidecar('api-adapter', env), sidecar('egress-proxy', env), sidecar('log-forwarder', env)];
    admins = {
      'log-forwarder': ports.FORWARDER_ADMIN_PORT,
      'egress-proxy': ports.EGRESS_ADMIN_PORT,
      'api-adapter': ports.ADAPTER_ADMIN_PORT,
    };
  }
  const app = start('app', [join(root, 'examples/demo/app.mjs')], {
    APP_PORT: ports.APP_PORT,
    LOG_FILE: join(dir, 'logs/app.log'),
    EGRESS_URL: `http://127.0.0.1:${ports.EGRESS_PORT}`,
  });
  for (const [name, port] of Object.entries(admins)) {
    await waitFor(`${name} /readyz`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    console.log(`  ${name.padEnd(14)} ready   (admin http://127.0.0.1:${port})`);
  }
  await waitFor('the app', async () => (await fetch(`http://127.0.0.1:${ports.APP_PORT}/customers/42`)).ok);

  console.log('\n1. api-adapter: a new client (api-version 2024-06-01) calls the legacy app (2023-01-01)');
  const base = `http://127.0.0.1:${ports.ADAPTER_PORT}`;
  const newer = await fetch(`${base}/customers/42`, { headers: { 'api-version': '2024-06-01' } });
  const newBody = await newer.json();
  console.log(`  GET /customers/42 (2024-06-01) → ${newer.status} ${JSON.stringify(newBody)}`);
  check(
    newBody.given_name === 'Ada' && newBody.family_name === 'Lovelace' && newBody.balance === 1250,
    'name split and balance in cents for the new version',
  );
  const older = await fetch(`${base}/customers/42`, { headers: { 'api-version': '2023-01-01' } });
  const oldBody = await older.json();
  console.log(`  GET /customers/42 (2023-01-01) → ${older.status} ${JSON.stringify(oldBody)}`);
  check(oldBody.name === 'Ada Lovelace' && oldBody.balance === '12.50', 'an old client still gets the old shape');
  const unknown = await fetch(`${base}/customers/42`, { headers: { 'api-version': '1999-01-01' } });
  console.log(`  GET /customers/42 (1999-01-01) → ${unknown.status} ${await unknown.text()}`);
  check(unknown.status === 400, 'an unknown version is refused with 400');

  console.log('\n2. egress-proxy: the app called http://127.0.0.1/payments/...; the proxy added the credential');
  console.log(`  the payments service saw: ${JSON.stringify(seen.at(-1))}`);
  check(
    seen.length > 0 && seen.every((s) => s.authorization === 'Bearer demo-token-1' && s.url.startsWith('/balances/')),
    'token injected from the mounted secret, prefix stripped',
  );
  const egressAdmin = oneProcess ? ports.POD_ADMIN_PORT : ports.EGRESS_ADMIN_PORT;
  const metrics = await (await fetch(`http://127.0.0.1:${egressAdmin}/metrics`)).text();
  const requestLines = metrics
    .split('\n')
    .filter((l) => l.startsWith('outrigger_egress_proxy_') && l.includes('payments') && !l.includes('_bucket'));
  for (const line of requestLines.slice(0, 4)) console.log(`  ${line}`);

  console.log('\n3. log-forwarder: the app wrote JSON lines to the shared volume; they were parsed, enriched, shipped');
  const forwarded = await waitFor('forwarded events', async () => {
    const lines = (await readFile(join(dir, 'forwarded.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    return lines.filter((e) => /served customer/.test(e.message)).length >= 3 ? lines : undefined;
  });
  for (const event of forwarded.slice(-2)) console.log(`  ${JSON.stringify(event)}`);
  check(
    forwarded.every((e) => e.pod === 'demo-7f9c' && e.namespace === 'shop' && e.file && e.timestamp),
    'every event carries pod metadata, file and timestamp',
  );

  if (serve) {
    console.log(`\nServing: curl -H 'api-version: 2024-06-01' ${base}/customers/7  (Ctrl-C stops the pod)`);
    await Promise.race([stopRequested, keyPressed()]);
  }

  console.log('\n4. the pod stops: SIGTERM to every container, as the kubelet does');
  const pod = [app, ...containers];
  for (const c of pod) c.child.kill('SIGTERM');
  for (const c of pod) {
    const { code } = await c.exited;
    check(code === 0, `${c.name} exited ${code}`);
  }
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  for (const c of children) if (c.logs.length) console.error(`--- ${c.name}\n${c.logs.join('').slice(-3000)}`);
  failed = true;
} finally {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  payments.close();
  await rm(dir, { recursive: true, force: true });
}
if (failed) exitCode = 1;
console.log(exitCode === 0 ? '\nThe demo pod behaved.' : '\nThe demo pod misbehaved (see above).');
process.exit(exitCode);
