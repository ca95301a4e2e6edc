import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@outrigger/runtime';
import t from 'tap';
import type { AdapterConfig } from '../src/config.js';
import { definition } from '../src/definition.js';

const check = (tls: Record<string, unknown>) =>
  resolveConfig<AdapterConfig>(
    definition,
    { mode: 'outbound', upstream: { url: 'https://api.example.com', version: '1', tls }, versions: [{ version: '1', changes: [] }] },
    {},
  );

// The TLS files a config names must be readable when it is loaded.
const files = mkdtempSync(join(tmpdir(), 'api-adapter-def-'));
t.teardown(() => rmSync(files, { recursive: true, force: true }));
const file = (name: string) => {
  writeFileSync(join(files, name), 'x\n');
  return join(files, name);
};

t.test('upstream.tls: the shared TLS block', async (t) => {
  const ok = check({ ca_file: file('ca.pem'), servername: 'api.internal', verify: false });
  t.ok(ok.ok, JSON.stringify(!ok.ok && ok.issues));
  if (ok.ok) t.match(ok.config.upstream.tls, { verify: false, min_version: 'TLSv1.2' });
  const half = check({ key_file: file('tls.key') });
  t.match(!half.ok && half.issues, [{ path: 'upstream.tls', message: 'cert_file and key_file go together' }]);
  t.notOk(check({ insecure_skip_verify: true }).ok, 'insecure_skip_verify is now verify: false');
});
