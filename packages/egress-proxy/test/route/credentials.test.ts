/**
 * Credentials from a file (acceptance 8): a Kubernetes-style Secret volume (`..data` symlink
 * swap) is rotated → the next request carries the new token; the app's own value is replaced;
 * the token never appears in the logs; an unreadable file → not ready and 503.
 */
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { client, get, startProxy } from '../fixtures/proxy.js';

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

t.test('an unreadable credentials file → not ready, 503 with flag CR', async (t) => {
  const nginx = await startNginx(t);
  const dir = await tempDir(t);
  const proxy = await startProxy(
    t,
    {
      routes: [
        {
          name: 'pay',
          match: { path_prefix: '/pay/' },
          cluster: 'pay',
          credentials: { header: 'x-api-key', file: join(dir, 'missing') },
        },
      ],
      clusters: { pay: { endpoints: [nginx.url] } },
    },
    { waitReady: false },
  );
  const ready = await fetch(`${proxy.sidecar.adminUrl}/readyz`);
  t.equal(ready.status, 503);
  t.match(await ready.text(), /credentials/);
  const res = await get(client(t), `${proxy.url}/pay/ok`);
  t.equal(res.status, 503);
  t.equal(res.headers['x-outrigger-flags'], 'CR');
  t.equal(res.headers['retry-after'], '1');
  await writeFile(join(dir, 'missing'), 'k-123\n');
  await proxy.sidecar.waitReady();
  t.equal((await get(client(t), `${proxy.url}/pay/ok`)).status, 200, 'ready once the file appears');
});
