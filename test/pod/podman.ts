/**
 * The pod tests' podman: scripts/podman.mjs (runc, containers.conf without rlimits) and
 * scripts/images.mjs, plus a way in to a pod's network namespace from outside its containers.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../repo-root.js';

const run = promisify(execFile);

export async function podman(args: string[], timeout = 120_000): Promise<string> {
  const { stdout } = await run(process.execPath, [join(repoRoot, 'scripts/podman.mjs'), ...args], { timeout, maxBuffer: 64 << 20 });
  return stdout;
}

/** Why podman cannot run here, or undefined. */
export async function podmanUnavailable(): Promise<string | undefined> {
  const { podmanUnavailable } = (await import(join(repoRoot, 'scripts/podman.mjs'))) as { podmanUnavailable(): string | undefined };
  if (process.getuid?.() !== 0) return 'the pod test runs podman as root (nsenter into the pod network namespace); this is not root';
  return podmanUnavailable();
}

/** `npm run images` without the setup step (the workspace is built: the tests run compiled). */
export async function buildImages(): Promise<string> {
  const { stdout } = await run(process.execPath, [join(repoRoot, 'scripts/images.mjs')], { timeout: 300_000 });
  return stdout;
}

/** A process on the host in the pod's network namespace (`--network none`: loopback only). */
export async function inPodNetwork(pod: string) {
  const infra = (await podman(['pod', 'inspect', pod, '--format', '{{.InfraContainerID}}'])).trim();
  const pid = (await podman(['inspect', infra, '--format', '{{.State.Pid}}'])).trim();
  return async (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> => {
    const args = ['-t', pid, '-n', 'curl', '-sS', '--max-time', '10', '-o', '-', '-w', '\n%{http_code}'];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    const { stdout } = await run('nsenter', [...args, url], { timeout: 15_000 });
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  };
}
