#!/usr/bin/env node
// podman with the settings this project's images, tests and demo need (docs/kubernetes.md, "Local
// pods with podman"): the OCI runtime `runc` where it is installed (crun fails where cgroups run
// in hybrid mode) and a containers.conf with `default_ulimits = []` (where setting rlimits is not
// permitted, every container would fail to start). Both can be overridden: OUTRIGGER_PODMAN_RUNTIME
// ("" = podman's default) and CONTAINERS_CONF.
//   node scripts/podman.mjs <podman arguments>     runs podman with those settings
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules/.cache/outrigger-images');

function onPath(bin) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, bin)));
}

/** The environment podman runs with: CONTAINERS_CONF pointing at a file with `default_ulimits = []`. */
export function podmanEnv() {
  if (process.env.CONTAINERS_CONF) return process.env;
  const conf = join(cache, 'containers.conf');
  if (!existsSync(conf)) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(
      conf,
      '# Written by scripts/podman.mjs: no default rlimits (setting them is not permitted everywhere).\n[containers]\ndefault_ulimits = []\n',
    );
  }
  return { ...process.env, CONTAINERS_CONF: conf };
}

/** The global options before any podman command. */
export function podmanGlobalArgs() {
  const runtime = process.env.OUTRIGGER_PODMAN_RUNTIME ?? (onPath('runc') ? 'runc' : '');
  return runtime ? ['--runtime', runtime] : [];
}

/** Why podman cannot run here, or undefined when it can (`podman info` answers). */
export function podmanUnavailable() {
  if (!onPath('podman')) return 'podman is not installed (apt-get install podman runc catatonit)';
  const r = spawnSync('podman', [...podmanGlobalArgs(), 'info', '--format', '{{.Host.OCIRuntime.Name}}'], {
    env: podmanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) return `podman info failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`;
  return undefined;
}

/** Runs podman; returns its stdout (throws with its stderr on failure). */
export function podman(args, opts = {}) {
  return execFileSync('podman', [...podmanGlobalArgs(), ...args], { env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = spawnSync('podman', [...podmanGlobalArgs(), ...process.argv.slice(2)], { env: podmanEnv(), stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
