/**
 * Credentials from a file (acceptance 8): a Kubernetes-style Secret volume (`..data` symlink
 * swap) is rotated → the next request carries the new token; the app's own value is replaced;
 * the token never appears in the logs; an unreadable file is a config error (at start, on reload).
 */
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSidecar } from '@outrigger/runtime/testing';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { bin, client, get, startProxy } from '../fixtures/proxy.js';

/** Lays out a Secret volume like the kubelet: token → ..data/token, ..data → ..<version>. */
async function writeSecret(dir: string, version: string, token: string): Promise<void> {
  await mkdir(join(dir, `..${version}`));
  await writeFile(join(dir, `..${version}`, 'token'), `${token}\n`);
  // The swap comes a moment after the new directory (longer than the watcher's debounce), so a
  // reload triggered by the directory alone would still read the old token.
  await new Promise((r) => setTimeout(r, 200));
  await symlink(`..${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

t.test('8: rotated token used by the next request, never logged', async (t) => {
  const nginx = await startNginx(t);
  const secret = await tempDir(t);
  await writeSecret(secret, '2026_01', 'tok-first-4f1d');
  await symlink('..data/token', join(secret, 'token'));
  const proxy = await startProxy(t, {
    routes: [
      {
        name: 'pay',
        match: { path_prefix: '/pay/' },
        cluster: 'pay',
        strip_prefix: true,
        credentials: { header: 'Authorization', file: join(secret, 'token'), format: 'Bearer {value}' },
      },
    ],
    clusters: { pay: { endpoints: [nginx.url] } },
  });
  const agent = client(t);
  const first = await get(agent, `${proxy.url}/pay/headers`, { headers: { authorization: 'Bearer app-own' } });
  t.match(first.body, /authorization=Bearer tok-first-4f1d\|/, "the app's own value is replaced");
  await writeSecret(secret, '2026_02', 'tok-second-9a2c');
  await proxy.sidecar.waitForLog((l) => l.msg === 'credentials reloaded');
  const next = await get(agent, `${proxy.url}/pay/headers`);
  t.match(next.body, /authorization=Bearer tok-second-9a2c\|/, 'the next request carries the new token');
  const everything = JSON.stringify(proxy.sidecar.logs()) + proxy.sidecar.text();
  t.notMatch(everything, /tok-first|tok-second|app-own/, 'tokens never logged');
});

t.test('an unreadable credentials file is a config error: at start, and on reload (the running token stays)', async (t) => {
  const nginx = await startNginx(t);
  const dir = await tempDir(t);
  const route = (file: string) => ({
    name: 'pay',
    match: { path_prefix: '/pay/' },
    cluster: 'pay',
    strip_prefix: true,
    credentials: { header: 'authorization', file, format: 'Bearer {value}' },
  });
  const clusters = { pay: { endpoints: [nginx.url] } };
  const refused = await spawnSidecar({ bin, config: { routes: [route(join(dir, 'missing'))], clusters }, waitForAdmin: false });
  t.teardown(() => refused.stop('SIGKILL'));
  t.same(await refused.exited, { code: 78, signal: null });
  t.match(refused.logs()[0], {
    code: 'OUTRIGGER_E_CONFIG',
    issues: [{ path: 'routes[0].credentials.file', message: `cannot read "${join(dir, 'missing')}": no such file (ENOENT)` }],
  });

  await writeFile(join(dir, 'key'), 'k-123\n');
  const config = join(dir, 'config.yaml');
  const yaml = (file: string) =>
    JSON.stringify({ admin: { listen: '127.0.0.1:0' }, listen: '127.0.0.1:0', routes: [route(file)], clusters });
  await writeFile(config, yaml(join(dir, 'key')));
  const proxy = await spawnSidecar({ bin, config });
  t.teardown(() => proxy.stop('SIGKILL'));
  await proxy.waitReady();
  const url = `http://${await proxy.listenerAddress('proxy')}/pay/headers`;
  t.match((await get(client(t), url)).body, /authorization=Bearer k-123\|/);
  await writeFile(config, yaml(join(dir, 'gone')));
  proxy.child.kill('SIGHUP');
  const line = await proxy.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.match(line.issues, [{ path: 'routes[0].credentials.file', message: /cannot read .*gone.*ENOENT/ }]);
  t.match((await get(client(t), url)).body, /authorization=Bearer k-123\|/, 'the running config and token stay');
});
