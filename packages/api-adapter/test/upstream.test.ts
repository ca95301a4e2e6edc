/**
 * The upstream pool speaks HTTP/1.1 even when a TLS upstream offers HTTP/2 (undici 8 negotiates
 * h2 by default): requests and responses pass through as HTTP/1.1 messages.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsFiles } from '@outrigger/runtime';
import { makePki } from '@outrigger/runtime/testing';
import t from 'tap';
import type { AdapterConfig } from '../src/config.js';
import { createPool } from '../src/upstream.js';

t.test('an upstream offering h2 is spoken to in HTTP/1.1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'api-adapter-h2-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await makePki(dir);
  const server = createSecureServer(
    { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), allowHTTP1: true },
    (req, res) => {
      res.end(req.httpVersion);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tls = new TlsFiles({ ca_file: pki.caCert, verify: true, min_version: 'TLSv1.2' }, { pollMs: 0 });
  t.teardown(() => tls.close());
  const pool = createPool({ url } as AdapterConfig['upstream'], tls);
  t.teardown(() => pool.destroy());
  const res = await pool.request({ method: 'GET', path: '/' });
  t.equal(await res.body.text(), '1.1');
});
