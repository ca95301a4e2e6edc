// The bundles' esbuild plugins (scripts/bundle-plugins.mjs) change how built-ins and some
// dependencies load: a fixture bundled with them must behave as the unbundled code does, and
// a built-in marked "on first use" must load only when first used. Then the shipped
// egress-proxy bundle does what needs those built-ins: TLS origination (tls, crypto).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makePki, spawnSidecar } from '@outrigger/runtime/testing';
import { build } from 'esbuild';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const { bundlePlugins } = (await import(join(repoRoot, 'scripts/bundle-plugins.mjs'))) as { bundlePlugins: unknown[] };

const loaded = (m: string) => `process.moduleLoadList.includes('NativeModule ${m}')`;
const fixture = `
import tlsDefault, { connect } from 'node:tls';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
const out = {};
out.tlsBefore = ${loaded('tls')};
out.cryptoBefore = ${loaded('crypto')};
out.connectIsFunction = typeof connect === 'function' && connect === tlsDefault.connect;
out.tlsAfter = ${loaded('tls')};
out.sha256 = createHash('sha256').update('outrigger').digest('hex');
out.gzip = zlib.gunzipSync(zlib.gzipSync('round trip')).toString();
out.gzipAsync = (await promisify(zlib.gunzip)(await promisify(zlib.gzip)('async'))).toString();
out.utilGettersUnread = !${loaded('internal/util/diff')};
out.workerBefore = ${loaded('worker_threads')};
const workers = require('worker_threads');
out.workerStillUnloaded = !${loaded('worker_threads')};
out.isMainThread = workers.isMainThread;
out.workerAfter = ${loaded('worker_threads')};
out.keys = Object.keys(zlib).includes('gzipSync');
process.stdout.write(JSON.stringify(out));
`;

t.test('built-ins load on first use and behave as the real modules', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-bundle-plugins-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'fixture.mjs'), fixture);
  await build({
    entryPoints: [join(dir, 'fixture.mjs')],
    outfile: join(dir, 'out.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: bundlePlugins as never,
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  // Without the NODE_OPTIONS that tap gives every child (its loaders load built-ins); tap puts it
  // back into any env we pass, so `env` takes it out.
  const { stdout } = await promisify(execFile)('env', ['-u', 'NODE_OPTIONS', process.execPath, join(dir, 'out.mjs')]);
  const out = JSON.parse(stdout);
  const { sha256, ...rest } = out;
  t.same(rest, {
    tlsBefore: false,
    cryptoBefore: false,
    connectIsFunction: true,
    tlsAfter: true,
    gzip: 'round trip',
    gzipAsync: 'async',
    utilGettersUnread: true,
    workerBefore: false,
    workerStillUnloaded: true,
    isMainThread: true,
    workerAfter: true,
    keys: true,
  });
  const { createHash } = await import('node:crypto');
  t.equal(sha256, createHash('sha256').update('outrigger').digest('hex'), 'crypto through the stand-in');
});

t.test('the egress-proxy bundle originates TLS to a server signed by a test CA', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-bundle-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await makePki(dir);
  const server = createServer({ cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) }, (req, res) =>
    res.end(`tls ok ${req.url}`),
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  const upstream = `https://localhost:${(server.address() as AddressInfo).port}`;
  const sc = await spawnSidecar({
    bin: join(repoRoot, 'packages/egress-proxy/dist/bundle/egress-proxy.mjs'),
    config: {
      listen: '127.0.0.1:0',
      probes: { listen: '' },
      routes: [{ name: 'secure', match: { path_prefix: '/' }, cluster: 'secure' }],
      clusters: { secure: { endpoints: [upstream], tls: { ca_file: pki.caCert } } },
    },
  });
  t.teardown(() => sc.stop());
  await sc.waitReady();
  const res = await fetch(`http://${await sc.listenerAddress('proxy')}/hello`);
  t.equal(res.status, 200);
  t.equal(await res.text(), 'tls ok /hello');
});
