#!/usr/bin/env node
// `npm run demo -- --pod`: the demo in a real pod. Builds the images (scripts/images.mjs), plays
// examples/kubernetes/podman/pod.yaml with `podman kube play --network none` (the app, the three
// sidecars as containers of the outrigger image, a stand-in payments service), calls it from the
// pod's network namespace (nsenter: with --network none only its loopback exists), shows what
// each sidecar did, stops the pod with SIGTERM as the kubelet does and removes it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podman, podmanUnavailable } from './podman.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? '  ✔' : '  ✘'} ${what}`);
  if (!ok) failed = true;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const unavailable = podmanUnavailable() ?? (process.getuid?.() !== 0 ? 'the podman demo runs as root (nsenter)' : undefined);
if (unavailable) {
  console.error(`npm run demo -- --pod: ${unavailable}. Plain \`npm run demo\` runs the same pod as processes.`);
  process.exit(1);
}
execFileSync(process.execPath, [join(root, 'scripts/images.mjs')], { stdio: 'inherit' });

const pod = 'outrigger-demo';
const dir = mkdtempSync(join(tmpdir(), 'outrigger-demo-pod-'));
const sink = join(dir, 'sink');
mkdirSync(sink);
chmodSync(sink, 0o777); // the containers run as 65534
const manifest = join(dir, 'pod.yaml');
writeFileSync(manifest, readFileSync(join(root, 'examples/kubernetes/podman/pod.yaml'), 'utf8').replace('path: SINK_DIR', `path: ${sink}`));

try {
  console.log(`\nOutrigger demo pod in podman (${pod}; the log sink is ${sink})`);
  podman(['kube', 'play', '--replace', '--network', 'none', manifest]);
  const infra = podman(['pod', 'inspect', pod, '--format', '{{.InfraContainerID}}']).trim();
  const pid = podman(['inspect', infra, '--format', '{{.State.Pid}}']).trim();
  const curl = (url, headers = {}) => {
    const args = ['-t', pid, '-n', 'curl', '-sS', '--max-time', '10', '-w', '\n%{http_code}'];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    const out = execFileSync('nsenter', [...args, url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const cut = out.lastIndexOf('\n');
    return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
  };
  const waitFor = async (what, fn, ms = 60_000) => {
    for (const end = Date.now() + ms; ; await sleep(250)) {
      try {
        if (fn()) return;
      } catch {}
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    }
  };
  for (const [name, port] of [
    ['log-forwarder', 9821],
    ['egress-proxy', 9822],
    ['api-adapter', 9823],
  ]) {
    await waitFor(`${name} /readyz`, () => curl(`http://127.0.0.1:${port}/readyz`).status === 200);
    console.log(`  ${name.padEnd(14)} ready   (probe port ${port} on the pod's address)`);
  }
  await waitFor('the app', () => curl('http://127.0.0.1:8080/customers/42').status === 200);

  console.log('\n1. api-adapter: a new client (api-version 2024-06-01) and an old one (2023-01-01) call the legacy app');
  const newer = curl('http://127.0.0.1:8080/customers/42', { 'api-version': '2024-06-01' });
  console.log(`  GET /customers/42 (2024-06-01) → ${newer.status} ${newer.body}`);
  check(/"given_name":"Ada","family_name":"Lovelace".*"balance":1250/.test(newer.body), 'name split and balance in cents');
  const older = curl('http://127.0.0.1:8080/customers/42', { 'api-version': '2023-01-01' });
  console.log(`  GET /customers/42 (2023-01-01) → ${older.status} ${older.body}`);
  check(/"name":"Ada Lovelace".*"balance":"12.50"/.test(older.body), 'an old client still gets the old shape');

  console.log('\n2. egress-proxy: the app called http://127.0.0.1:4140/payments/...; the proxy added the token');
  const metrics = curl('http://127.0.0.1:9822/metrics').body.split('\n');
  const calls = metrics.filter((l) => l.startsWith('outrigger_egress_proxy_requests_total{') && l.includes('payments'));
  for (const l of calls) console.log(`  ${l}`);
  check(
    calls.some((l) => /status_class="2xx"\} [1-9]/.test(l)),
    'the payments calls succeeded through the proxy',
  );

  console.log('\n3. log-forwarder: the app wrote JSON lines to the shared emptyDir; they were enriched and shipped');
  const events = () =>
    readFileSync(join(sink, 'forwarded.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  await waitFor('shipped lines', () => events().filter((e) => /served customer/.test(e.message)).length >= 3, 20_000);
  for (const e of events().slice(-2)) console.log(`  ${JSON.stringify(e)}`);
  check(
    events().every((e) => e.pod === pod && e.namespace),
    'every event carries the pod metadata',
  );

  console.log('\n4. the pod stops: SIGTERM to every container, as the kubelet does');
  podman(['pod', 'stop', '--time', '30', pod]);
  for (const line of podman(['ps', '-a', '--filter', `pod=${pod}`, '--format', '{{.Names}} {{.ExitCode}}'])
    .trim()
    .split('\n')) {
    const [name, code] = line.split(' ');
    if (!name.endsWith('-infra')) check(code === '0', `${name} exited ${code}`);
  }
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  failed = true;
} finally {
  try {
    podman(['kube', 'down', manifest]);
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? '\nThe demo pod misbehaved (see above).' : '\nThe demo pod behaved.');
process.exit(failed ? 1 : 0);
