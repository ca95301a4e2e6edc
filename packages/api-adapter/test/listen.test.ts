/** Outbound mode binds loopback unless told otherwise, and `check` warns when it is told. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@outrigger/runtime';
import t from 'tap';
import { stringify } from 'yaml';
import type { AdapterConfig } from '../src/config.js';
import { definition } from '../src/definition.js';
import { listenAddress } from '../src/listen.js';
import { runCli } from './fixtures/cli.js';

const base = {
  mode: 'outbound',
  upstream: { url: 'https://user:secret@api.example.com', version: '1' },
  versions: [{ version: '1' }],
};

const resolve = (extra: Record<string, unknown>) => resolveConfig<AdapterConfig>(definition, { ...base, ...extra }, {});

async function check(config: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'aa-listen-'));
  try {
    const file = join(dir, 'api-adapter.yaml');
    await writeFile(file, stringify(config));
    return await runCli(['check', '-c', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

t.test('outbound mode defaults to 127.0.0.1:8080, inbound to 0.0.0.0:8080', async (t) => {
  const out = resolve({});
  t.ok(out.ok);
  if (out.ok) t.equal(listenAddress(out.config), '127.0.0.1:8080');
  const inbound = resolve({ mode: 'inbound' });
  if (inbound.ok) t.equal(listenAddress(inbound.config), '0.0.0.0:8080');
});

t.test('outbound mode on another address needs listen_beyond_loopback', async (t) => {
  const r = resolve({ listen: '0.0.0.0:8080' });
  t.notOk(r.ok);
  if (!r.ok) t.match(r.issues, [{ path: 'listen', message: /listen_beyond_loopback/ }]);
  t.ok(resolve({ listen: '127.0.0.2:8080' }).ok, 'any loopback address is fine');
});

t.test('check warns (and passes) when outbound mode is allowed beyond loopback; the URL is redacted', async (t) => {
  const r = await check({ ...base, listen: '0.0.0.0:8080', listen_beyond_loopback: true });
  t.equal(r.code, 0, r.err);
  t.equal(r.out, 'OK\n');
  t.match(r.err, /^warning: listen: outbound mode on 0\.0\.0\.0:8080/);
  t.notMatch(r.err, /secret/);
  const quiet = await check(base);
  t.equal(quiet.err, '', 'no warning on loopback');
});
