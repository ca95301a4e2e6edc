/**
 * A pod's network namespace for tests (`@outrigger/runtime/testing`): a fresh namespace with its
 * own loopback and a veth interface holding a "pod IP" (TEST-NET-2, 198.51.100.2), as the kubelet
 * and Prometheus see a pod. Nothing leaves it: the machine's own interfaces are not in it.
 * Needs root (`unshare -n`, as CI and the dev machines run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface PodNetwork {
  /** The pod's non-loopback address. */
  readonly podIp: string;
  /** Command prefix that runs a program inside the namespace: `[nsenter, -t, PID, -n, --]`. */
  readonly enter: readonly string[];
  /** GET `url` from inside the namespace (curl): the status and body. */
  get(url: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const podIp = '198.51.100.2';

const setup = [
  'ip link set lo up',
  'ip link add pod0 type veth peer name pod1',
  `ip addr add ${podIp}/24 dev pod0`,
  'ip link set pod1 up',
  'ip link set pod0 up',
  'echo ready',
  'exec sleep 3600',
].join(' && ');

const holders = new Set<ChildProcess>();
process.once('exit', () => {
  for (const h of holders) h.kill('SIGKILL');
});

export async function podNetwork(): Promise<PodNetwork> {
  const holder = spawn('unshare', ['-n', '--', 'sh', '-c', setup], { stdio: ['ignore', 'pipe', 'pipe'] });
  holders.add(holder);
  let err = '';
  holder.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const started = await new Promise<boolean>((resolve) => {
    holder.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('ready') && resolve(true));
    holder.once('exit', () => resolve(false));
  });
  if (!started) throw new Error(`cannot create a network namespace (root needed): ${err.trim()}`);
  const enter = ['nsenter', '-t', String(holder.pid), '-n', '--'];
  return {
    podIp,
    enter,
    async get(url) {
      const curl = spawn(enter[0] as string, [...enter.slice(1), 'curl', '-sS', '-m', '5', '-w', '\n%{http_code}', url], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      curl.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      await once(curl, 'exit');
      const nl = out.lastIndexOf('\n');
      return { status: Number(out.slice(nl + 1)), body: out.slice(0, Math.max(nl, 0)) };
    },
    async close() {
      holders.delete(holder);
      if (holder.exitCode === null) {
        holder.kill('SIGKILL');
        await once(holder, 'exit');
      }
    },
  };
}
