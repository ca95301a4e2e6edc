/**
 * The optional iptables init step (`init/egress-iptables.sh`) in a network namespace made for the
 * test: after it, only the proxy's uid may open connections out of the pod; loopback (the app to
 * its sidecars) stays open to everyone. Another uid's SYN is rejected at once by the rule.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { podNetwork, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';

const script = fileURLToPath(new URL('../../../init/egress-iptables.sh', import.meta.url));
const PROXY_UID = 1337;
const APP_UID = 65534;

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(args[0] as string, args.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

t.test('--dry-run prints the rules; a bad uid is refused', async (t) => {
  const dry = await run(['sh', script, '--proxy-uid', '1337', '--allow-dns', '--allow-cidr', '10.0.0.0/8', '--dry-run']);
  t.equal(dry.code, 0);
  t.match(dry.stdout, /-A OUTRIGGER_EGRESS -m owner --uid-owner 1337 -j ACCEPT/);
  t.match(dry.stdout, /-A OUTRIGGER_EGRESS -p udp --dport 53 -j ACCEPT/);
  t.match(dry.stdout, /-A OUTRIGGER_EGRESS -d 10\.0\.0\.0\/8 -j ACCEPT/);
  t.match(dry.stdout, /-A OUTRIGGER_EGRESS -j REJECT/);
  t.equal((await run(['sh', script, '--proxy-uid', 'root'])).code, 64);
});

t.test('in a pod network namespace: only the proxy uid gets out; loopback open to all', async (t) => {
  let pod: Awaited<ReturnType<typeof podNetwork>>;
  try {
    pod = await podNetwork();
  } catch (err) {
    t.plan(0, `no network namespace here (root needed): ${(err as Error).message}`);
    return;
  }
  t.teardown(() => pod.close());
  const ns = pod.enter;
  // "Outside": a route to TEST-NET-3 through a gateway nobody answers for; what leaves is counted.
  t.equal((await run([...ns, 'ip', 'route', 'add', '203.0.113.0/24', 'via', '198.51.100.1', 'dev', 'pod0'])).code, 0);
  const installed = await run([...ns, 'sh', script, '--proxy-uid', String(PROXY_UID)]);
  t.equal(installed.code, 0, installed.stderr);
  t.equal((await run([...ns, 'sh', script, '--proxy-uid', String(PROXY_UID)])).code, 0, 'idempotent');
  const hooks = await run([...ns, 'iptables', '-S', 'OUTPUT']);
  t.equal(hooks.stdout.split('\n').filter((l) => l.includes('OUTRIGGER_EGRESS')).length, 1, 'hooked into OUTPUT once');

  const as = (uid: number, url: string) =>
    run([
      ...ns,
      'setpriv',
      '--reuid',
      String(uid),
      '--regid',
      String(uid),
      '--clear-groups',
      'curl',
      '-sS',
      '-m',
      '2',
      '-o',
      '/dev/null',
      url,
    ]);
  const counters = async () => {
    const out = (await run([...ns, 'iptables', '-L', 'OUTRIGGER_EGRESS', '-v', '-n', '-x'])).stdout;
    const count = (re: RegExp) =>
      Number(
        out
          .split('\n')
          .find((l) => re.test(l))
          ?.trim()
          .split(/\s+/)[0] ?? -1,
      );
    return { owner: count(/owner UID match 1337/), reject: count(/REJECT .*tcp/) };
  };

  const before = await counters();
  const app = await as(APP_UID, 'http://203.0.113.5/');
  t.equal(app.code, 7, `the app's connection is refused at once: ${app.stderr.trim()}`);
  const afterApp = await counters();
  t.ok(afterApp.reject > before.reject, 'by the REJECT rule');
  const proxyTry = await as(PROXY_UID, 'http://203.0.113.5/');
  t.not(proxyTry.code, 0, 'nobody answers out there...');
  const afterProxy = await counters();
  t.ok(afterProxy.owner > afterApp.owner, "...but the proxy's SYN was let out");
  t.equal(afterProxy.reject, afterApp.reject, 'and not rejected');

  // Loopback: the app reaches its sidecars on 127.0.0.1.
  const server = spawn(ns[0] as string, [...ns.slice(1), 'python3', '-m', 'http.server', '--bind', '127.0.0.1', '18099'], {
    stdio: 'ignore',
  });
  t.teardown(() => {
    server.kill('SIGKILL');
  });
  await waitFor(async () => (await as(APP_UID, 'http://127.0.0.1:18099/')).code === 0, { what: 'loopback reachable by the app' });
  t.pass('loopback open to the app');
});
