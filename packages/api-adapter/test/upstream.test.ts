/**
 * The upstream pool speaks HTTP/1.1 even when a TLS upstream offers HTTP/2 (undici 8 negotiates
 * h2 by default): requests and responses pass through as HTTP/1.1 messages.
 */
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { AdapterConfig } from '../src/config.js';
import { createPool } from '../src/upstream.js';
import { selfSigned } from './fixtures/app-process.js';

t.test('an upstream offering h2 is spoken to in HTTP/1.1', async (t) => {
  const tls = await selfSigned();
  t.teardown(() => tls.cleanup());
  const server = createSecureServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), allowHTTP1: true }, (req, res) => {
    res.end(req.httpVersion);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = createPool({ url, tls: { ca_file: tls.cert } } as AdapterConfig['upstream'], (p) => p);
  t.teardown(() => pool.destroy());
  const res = await pool.request({ method: 'GET', path: '/' });
  t.equal(await res.body.text(), '1.1');
});
