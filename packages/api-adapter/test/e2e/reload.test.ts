/**
 * Config reload through the runtime's config watch: a ConfigMap `..data` swap replaces the
 * version chain and the upstream at once; an exchange in flight finishes on the old chain; an
 * invalid config is refused and the running one keeps serving.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapVolume, spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { request } from 'undici';
import { BIN } from '../fixtures/app-process.js';

let release: () => void = () => {};
const held = new Promise<void>((r) => (release = r));
async function app(name: string) {
  const server = http.createServer(async (req, res) => {
    req.resume();
    if (req.url?.includes('hold')) await held;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ a: name }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}
const one = await app('one');
const two = await app('two');

const config = (upstream: string, to: string, version = '1') =>
  JSON.stringify({
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    probes: { listen: '' },
    config_watch: { debounce_ms: 50 },
    upstream: { url: upstream, version },
    versioning: { default: '2' },
    versions: [
      { version: '2', changes: [{ description: `a is ${to}`, body: [{ type: 'rename', from: '/a', to: `/${to}` }] }] },
      { version: '1' },
    ],
  });

t.test('a ConfigMap swap reloads the chain and the upstream; in-flight exchanges finish on the old chain', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const volume = new ConfigMapVolume(dir);
  await volume.write({ 'api-adapter.yaml': config(one, 'b') });
  const sidecar = await spawnSidecar({ bin: BIN, config: volume.path('api-adapter.yaml') });
  t.teardown(() => sidecar.stop('SIGKILL'));
  await sidecar.waitReady();
  const base = `http://${await sidecar.listenerAddress('data')}`;
  const json = async (path: string) => (await request(`${base}${path}`)).body.json();
  t.same(await json('/x'), { b: 'one' });

  const inFlight = json('/hold');
  await waitFor(async () => (await (await fetch(`${sidecar.adminUrl}/status`)).text()).includes('"in_flight":1'), {
    what: 'the held exchange to be in flight',
  });
  await volume.write({ 'api-adapter.yaml': config(two, 'c') });
  await waitFor(async () => JSON.stringify(await json('/x')) === '{"c":"two"}', { what: 'the new chain and upstream served' });
  release();
  t.same(await inFlight, { b: 'one' }, 'the exchange in flight finished on the old chain and upstream');

  await volume.write({ 'api-adapter.yaml': config(two, 'd', '7') });
  const refused = await sidecar.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.match(refused, { issues: [{ path: 'upstream.version' }] });
  t.same(await json('/x'), { c: 'two' }, 'the running config keeps serving');
});
