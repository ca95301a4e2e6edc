#!/usr/bin/env node
// Throws the listener's RFC 9112 hygiene and smuggling cases (packages/egress-proxy/test/listener/
// rfc9112.test.ts and hygiene.test.ts), and their response-side twins, at the raw data path
// prototype (`raw-path.mjs`), or with --product at the egress-proxy itself (built: `npx tsc -b`):
// what a faster path must still refuse. Exit 1 on any miss. Where the two differ on purpose (the
// product re-frames chunked bodies and serves upgrades; the prototype passes chunks on as they
// are and answers upgrades 501), each case says what each must do.
//
// Usage: node bench/egress-proxy/raw-path-check.mjs [--product]
import { createRequire } from 'node:module';
import net from 'node:net';
import { startRawProxy } from './raw-path.mjs';

const product = process.argv.includes('--product');

/** A raw upstream: answers each request with the bytes `responses[path]` (default a 100 B 200) and records heads. */
const seen = [];
// A body whose every byte says where it is: a reused read buffer overwritten too early shows.
const PATTERN = Buffer.alloc(4 << 20);
for (let i = 0; i < PATTERN.length; i += 4) PATTERN.writeUInt32BE(i, i);
const responses = {
  '/te-and-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  '/two-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
  '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
  '/fold': 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n',
  '/bare-lf': 'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
  '/chunked':
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: X-Hop\r\nX-Hop: secret\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n',
  '/close-delimited': 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close',
};
const upstream = net.createServer((s) => {
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.slice(0, end);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      let bodyEnd = end + 4 + length;
      if (/\r\ntransfer-encoding: chunked/i.test(head)) {
        const z = buf.indexOf('\r\n0\r\n\r\n', end);
        if (z === -1) return;
        bodyEnd = z + 7;
      }
      if (buf.length < bodyEnd) return;
      seen.push(buf.slice(0, bodyEnd));
      buf = buf.slice(bodyEnd);
      const path = head.split(' ')[1];
      if (path === '/pattern') {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${PATTERN.length}\r\n\r\n`);
        s.write(PATTERN);
        continue;
      }
      const r = responses[path] ?? `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(100)}`;
      s.write(r);
      if (path === '/close-delimited') s.end();
    }
  });
  s.on('error', () => {});
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));

/** The egress-proxy in this process: one route to the raw upstream, the same 300 ms headers timeout. */
async function startProduct(upstreamPort) {
  const { resolveConfig } = await import('../../packages/runtime/dist/src/index.js');
  const { definition } = await import('../../packages/egress-proxy/dist/src/definition.js');
  const require = createRequire(new URL('../../packages/egress-proxy/package.json', import.meta.url));
  const { pino } = require('pino');
  const { Registry } = require('prom-client');
  const raw = {
    listen: '127.0.0.1:0',
    listener: { headers_timeout_ms: 300, access_log: false },
    routes: [{ name: 'up', match: { path_prefix: '/' }, cluster: 'up' }],
    clusters: { up: { endpoints: [`http://127.0.0.1:${upstreamPort}`] } },
  };
  const result = resolveConfig(definition, raw, {});
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const ctx = {
    name: 'egress-proxy',
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    metricName: (s) => `outrigger_egress_proxy_${s}`,
    resolvePath: (p) => p,
  };
  const proxy = definition.build(result.config, ctx);
  await proxy.start();
  return { port: Number(proxy.address.split(':').at(-1)), close: () => proxy.stop() };
}

async function startPrototype(upstreamPort) {
  const server = await startRawProxy(0, upstreamPort, '127.0.0.1', { headersTimeoutMs: 300 });
  return { port: server.address().port, close: () => server.close() };
}

const proxy = await (product ? startProduct : startPrototype)(upstream.address().port);
const port = proxy.port;

/** Sends `text` (a string, or parts written `gapMs` apart), returns what came back within `wait` ms. */
function exchange(text, { wait = 300, gapMs = 0 } = {}) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let out = '';
    c.on('data', (d) => (out += d.toString('latin1')));
    c.on('error', () => {});
    c.on('close', () => resolve(out));
    const parts = Array.isArray(text) ? text : [text];
    for (const [i, p] of parts.entries()) {
      setTimeout(() => {
        if (c.writable) c.write(p);
      }, i * gapMs);
    }
    setTimeout(() => c.destroy(), wait + parts.length * gapMs);
  });
}
const statusOf = (text) => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? '(none)';

let failures = 0;
let passed = 0;
async function expect(name, request, status, check, options) {
  const before = seen.length;
  const res = await exchange(request, options);
  const got = statusOf(res);
  const extra = check?.(res, seen.slice(before));
  if (got !== status || (extra !== undefined && extra !== true)) {
    failures++;
    console.log(
      `FAIL ${name}: got ${got}, want ${status}${typeof extra === 'string' ? ` (${extra})` : ''}\n  ${JSON.stringify(res.slice(0, 200))}`,
    );
  } else passed++;
}
const nothingUpstream = (_res, up) => up.length === 0 || `forwarded: ${JSON.stringify(up[0].slice(0, 120))}`;

// Request side (the listener's cases).
await expect('HTTP/0.9 request line', 'GET /zero-nine\r\n\r\n', '400', nothingUpstream);
for (const hosts of [['a', 'b'], [''], ['user@x'], ['x/path'], ['a, b'], []]) {
  const head = hosts.map((h) => `Host: ${h}\r\n`).join('');
  await expect(`Host ${JSON.stringify(hosts)}`, `GET /host HTTP/1.1\r\n${head}Connection: close\r\n\r\n`, '400', nothingUpstream);
}
await expect('IPv6 Host with port', 'GET /host HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n', '200');
await expect(
  '`_` header dropped',
  'GET /u HTTP/1.1\r\nHost: x\r\nX_Foo: smuggled\r\nConnection: close\r\n\r\n',
  '200',
  (_r, up) => !/x_foo/i.test(up[0] ?? '') || 'X_Foo went upstream',
);
await expect('request line over 8192 → 414', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, '414');
await expect('request line over the header limit → 414', `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`, '414');
await expect('big headers → 431', `GET /h HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`, '431');
for (const e of ['100-continue, foo', 'foo', '']) {
  await expect(
    `Expect: ${e} → 417`,
    `PUT /e HTTP/1.1\r\nHost: x\r\nExpect: ${e}\r\nContent-Length: 1\r\nConnection: close\r\n\r\n`,
    '417',
    nothingUpstream,
  );
}
await expect(
  'Expect: 100-Continue → 100 then the answer',
  'PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz',
  '100',
  (res) => /HTTP\/1\.1 200/.test(res) || 'no final 200',
);
for (const head of [
  'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n',
  'Transfer-Encoding: chunked\r\nContent-Length: 6\r\n',
  'Content-Length: 5\r\nContent-Length: 6\r\n',
  'Content-Length: 5\r\nContent-Length: 5\r\n',
  'Content-Length: 5, 6\r\n',
  'Content-Length: abc\r\n',
  'Content-Length: +5\r\n',
  'X-Folded: a\r\n b\r\n',
  'X-Folded: a\r\n\tX-Inner: b\r\n',
  'Transfer-Encoding: chunked, identity\r\n',
  'Transfer-Encoding: gzip\r\n',
  'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
  'Transfer-Encoding : chunked\r\n',
  'X-Bad\x01: v\r\n',
  'X-Bad: v\x00\r\n',
  'X-Bare-LF: v\nX-Other: w\r\n',
  'X-Bare-CR: v\rX-Other: w\r\n',
]) {
  await expect(`framing ${JSON.stringify(head)}`, `POST /f HTTP/1.1\r\nHost: x\r\n${head}\r\n0\r\n\r\n`, '400', nothingUpstream);
}
for (const [name, body] of [
  ['chunk size not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
  ['chunk data without CRLF', '5\r\nhelloXX0\r\n\r\n'],
  ['chunk size line with bare LF', '5\nhello\r\n0\r\n\r\n'],
  ['chunk size overflow', 'fffffffffffffffff\r\nx\r\n0\r\n\r\n'],
]) {
  await expect(
    `chunked body: ${name}`,
    `POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
    '400',
  );
}
await expect(
  'a valid chunked body goes upstream as chunked',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n',
  '200',
  (_r, up) =>
    // The product decodes and frames anew (extensions and trailers are hop-by-hop).
    (product
      ? /transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/
      : /transfer-encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n$/
    ).test(up[0] ?? '') || 'body not passed on',
);
await expect(
  'bytes after a Connection: close request → that request answered',
  'GET /after-close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGARBAGE',
  '200',
);
await expect(
  'bytes after a body → that request answered',
  'POST /after-body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhelloEXTRA',
  '200',
);
await expect(
  'hop-by-hop request headers dropped, Via added',
  'GET /hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nConnection: close\r\n\r\n',
  '200',
  (_r, up) =>
    (!/x-secret|keep-alive|\r\nte:|proxy-authorization/i.test(up[0] ?? '') && /\r\nvia: 1\.1 outrigger/.test(up[0] ?? '')) ||
    JSON.stringify(up[0]),
);
if (product) {
  await expect(
    'a WebSocket upgrade goes upstream as one, its answer piped back',
    'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    '200',
    (_r, up) => /\r\nupgrade: websocket\r\n/i.test(up[0] ?? '') || JSON.stringify(up[0]),
  );
} else {
  await expect(
    'Upgrade left to the shipped path',
    'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    '501',
    nothingUpstream,
  );
}

await expect(
  'a head trickling in past the headers timeout → 408',
  ['GET /slow HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', '\r\n'],
  '408',
  nothingUpstream,
  { gapMs: 150 },
);
const big = 'b'.repeat(1 << 20);
await expect(
  'a 1 MiB body streams through (backpressure both ways)',
  `POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n${big}`,
  '200',
  (_r, up) => up[0]?.endsWith(big) === true || 'body not whole upstream',
  { wait: 2000 },
);

// Response side: what undici's strict llhttp refuses, the prototype refuses too (502, never relayed).
for (const path of ['/te-and-cl', '/two-cl', '/bad-chunk', '/fold', '/bare-lf']) {
  await expect(`response ${path} → 502`, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, '502');
}
await expect(
  'chunked response relayed, Connection-named header dropped',
  'GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  '200',
  (res) =>
    ((product ? /\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/ : /\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n$/).test(res) &&
      !/x-hop/i.test(res)) ||
    'chunked body or hop header wrong',
);
await expect(
  'close-delimited response relayed, then closed',
  'GET /close-delimited HTTP/1.1\r\nHost: x\r\n\r\n',
  '200',
  (res) =>
    // The product frames a body of unknown length chunked (its app connection stays usable).
    (product
      ? /transfer-encoding: chunked\r\n/i.test(res) && /until-close\r\n0\r\n\r\n$/.test(res)
      : /connection: close/i.test(res) && res.endsWith('until-close')) || 'not relayed to the close',
);
await expect(
  'keep-alive: two requests on one connection',
  'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  '200',
  (res) => res.split('HTTP/1.1 200').length === 3 || 'not two responses',
);

// Response bodies through the shared read buffer: several readers at once, some slow (their
// sockets keep views of it, so it is lent out and reads move on), every byte compared.
async function fetchPattern(slow) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    const chunks = [];
    c.on('data', (d) => {
      chunks.push(d);
      if (slow) {
        c.pause();
        setTimeout(() => c.resume(), 2);
      }
    });
    c.on('error', () => {});
    c.on('close', () => {
      const all = Buffer.concat(chunks);
      const start = all.indexOf('\r\n\r\n') + 4;
      resolve(all.subarray(start));
    });
    c.write('GET /pattern HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}
const bodies = await Promise.all([false, true, false, true, true, false].map((slow) => fetchPattern(slow)));
const intact = bodies.filter((b) => b.equals(PATTERN)).length;
if (intact === bodies.length) passed++;
else {
  failures++;
  console.log(`FAIL response bodies through the reused read buffer: ${intact} of ${bodies.length} intact`);
  for (const b of bodies) {
    let k = 0;
    while (k < Math.min(b.length, PATTERN.length) && b[k] === PATTERN[k]) k++;
    console.log(`  ${b.length} bytes, first difference at ${k}`);
  }
}

console.log(`${passed} passed, ${failures} failed`);
proxy.close();
upstream.close();
process.exit(failures === 0 ? 0 : 1);
