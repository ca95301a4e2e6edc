/** The proxy in-process (the same code the sidecar runs) against in-process upstreams. */
import http from 'node:http';
import net from 'node:net';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { request } from 'undici';
import { itemsChange, startAdapter } from './fixtures/in-process.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
let handler: Handler = (_req, res) => res.end();
const seen: { headers: http.IncomingHttpHeaders; body: Buffer; url: string }[] = [];
const upstream = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    seen.push({ headers: req.headers, body, url: req.url ?? '' });
    handler(req, res, body);
  });
});
upstream.on('upgrade', (req, socket, head) => {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\nx-path: ${req.url}\r\nx-version: ${req.headers['api-version']}\r\n\r\n`,
  );
  socket.write(head);
  socket.pipe(socket);
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
t.teardown(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const adapter = (over: Record<string, unknown> = {}) => startAdapter(upstreamUrl, over);

const a = await adapter();
t.teardown(() => a.instance.stop());

t.test('gzip request bodies are decoded, transformed and re-encoded', async (t) => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"a":1}');
  };
  const r = await request(`${a.base}/items/1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync('{"b":5}'),
  });
  t.same(await r.body.json(), { b: 1 });
  const last = seen.at(-1);
  t.equal(last?.url, '/things/1', 'the v2 path walked down to v1');
  t.equal(last?.headers['content-encoding'], 'gzip');
  t.equal(Number(last?.headers['content-length']), last?.body.length);
  t.equal(gunzipSync(last?.body ?? Buffer.alloc(0)).toString(), '{"a":5}');
});

t.test('br responses are decoded and re-encoded; multiple Set-Cookie kept', async (t) => {
  handler = (_req, res) => {
    res.setHeader('set-cookie', ['x=1', 'y=2']);
    res.writeHead(200, { 'content-type': 'application/vnd.thing+json', 'content-encoding': 'br' });
    res.end(brotliCompressSync('{"a":"x"}'));
  };
  const r = await request(`${a.base}/items/1`);
  t.equal(r.headers['content-encoding'], 'br');
  t.same(r.headers['set-cookie'], ['x=1', 'y=2']);
  t.equal(brotliDecompressSync(Buffer.from(await r.body.arrayBuffer())).toString(), '{"b":"x"}');
});

t.test('unsupported codings, 204 and 304 pass through untouched', async (t) => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
    res.end('opaque');
  };
  const z = await request(`${a.base}/items/1`);
  t.equal(await z.body.text(), 'opaque');
  handler = (_req, res) => {
    res.writeHead(304, { etag: '"e"' });
    res.end();
  };
  const n = await request(`${a.base}/items/1`, { headers: { 'if-none-match': '"e;v=2"' } });
  t.equal(n.statusCode, 304);
  t.equal(n.headers.etag, '"e;v=2"');
  t.equal(seen.at(-1)?.headers['if-none-match'], '"e"');
  await n.body.dump();
  handler = (_req, res) => {
    res.writeHead(204, { 'content-type': 'application/json' });
    res.end();
  };
  const e = await request(`${a.base}/items/1`);
  t.equal(e.statusCode, 204);
  await e.body.dump();
});

t.test('upstream failures become 502/504 with codes', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const dead = await adapter({
    upstream: {
      url: `http://127.0.0.1:${port}`,
      version: '1',
      path_prefix: '',
      timeout_ms: 1000,
      body_timeout_ms: 1000,
      connections: 1,
      tls: {},
    },
  });
  t.teardown(() => dead.instance.stop());
  const r = await request(`${dead.base}/items/1`);
  t.equal(r.statusCode, 502);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE' } });

  const slow = await adapter({
    upstream: { url: upstreamUrl, version: '1', path_prefix: '', timeout_ms: 150, body_timeout_ms: 1000, connections: 1, tls: {} },
  });
  t.teardown(() => slow.instance.stop());
  handler = () => {}; // never answers
  const s = await request(`${slow.base}/items/1`);
  t.equal(s.statusCode, 504);
  t.match(await s.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UPSTREAM_TIMEOUT' } });
  upstream.closeAllConnections();
});

t.test('strict mode: invalid JSON from the upstream → 502', async (t) => {
  const strict = await adapter({ body: { max_bytes: 1024, on_too_large: 'reject', strict: true } });
  t.teardown(() => strict.instance.stop());
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{oops');
  };
  const r = await request(`${strict.base}/items/1`);
  t.equal(r.statusCode, 502);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_UPSTREAM_MALFORMED_JSON' } });
});

t.test('response bodies over the cap: 502, or the original bytes with pass_through', async (t) => {
  const big = `{"a":"${'x'.repeat(3000)}"}`;
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(big);
  };
  const capped = await adapter({ body: { max_bytes: 1024, on_too_large: 'reject', strict: false } });
  t.teardown(() => capped.instance.stop());
  const r = await request(`${capped.base}/items/1`);
  t.equal(r.statusCode, 502);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE' } });
  const pass = await adapter({ body: { max_bytes: 1024, on_too_large: 'pass_through', strict: false } });
  t.teardown(() => pass.instance.stop());
  const p = await request(`${pass.base}/items/1`);
  t.equal(await p.body.text(), big);
  const bomb = gzipSync(Buffer.from(`{"a":"${'y'.repeat(100_000)}"}`));
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(bomb);
  };
  const g = await request(`${pass.base}/items/1`);
  t.same(Buffer.from(await g.body.arrayBuffer()), bomb, 'a body that only decodes past the cap goes through as it came');
});

t.test('a failing escape-hatch script → 502 with a code, and the adapter keeps serving', async (t) => {
  const scripted = await adapter({
    versions: [
      { version: '2', changes: [{ ...itemsChange, body: [{ type: 'script', up: 'body.x.y', down: 'body', timeout_ms: 1000 }] }] },
      { version: '1', changes: [] },
    ],
  });
  t.teardown(() => scripted.instance.stop());
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };
  const r = await request(`${scripted.base}/items/1`);
  t.equal(r.statusCode, 502);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED' } });
  const again = await request(`${scripted.base}/other`);
  t.equal(again.statusCode, 200);
  await again.body.dump();
});

t.test('a script looping forever in a microtask cannot stop the adapter', async (t) => {
  const looping = await adapter({
    versions: [
      {
        version: '2',
        changes: [
          {
            ...itemsChange,
            body: [{ type: 'script', up: '(Promise.resolve().then(() => { while (true); }), body)', down: 'body', timeout_ms: 300 }],
          },
        ],
      },
      { version: '1', changes: [] },
    ],
  });
  t.teardown(() => looping.instance.stop());
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };
  const stuck = request(`${looping.base}/items/1`);
  // While the script spins, the adapter answers others.
  const other = await request(`${looping.base}/other`);
  t.equal(other.statusCode, 200);
  await other.body.dump();
  const r = await stuck;
  t.equal(r.statusCode, 502);
  t.match(await r.body.json(), { error: { code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', message: /timed out/ } });
});

t.test('Upgrade requests are walked, then bytes flow both ways untouched', async (t) => {
  const socket = net.connect(Number(a.address.split(':').pop()), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /items/7 HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\napi-version: 2\r\n\r\nping');
  let got = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (c) => {
      got += c.toString();
      if (got.endsWith('ping')) resolve();
    });
    socket.on('error', reject);
  });
  t.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.match(got, /x-path: \/things\/7\r\n/, 'the path was rewritten');
  t.match(got, /x-version: 1\r\n/, 'the upstream was told its version');
  socket.destroy();
});

t.test('drain waits for in-flight exchanges', async (t) => {
  const d = await adapter();
  let release: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    handler = (_req, res) => {
      release = () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('done');
      };
      resolve();
    };
  });
  const pending = request(`${d.base}/other`);
  await arrived;
  t.equal(d.instance.inFlight(), 1);
  const drained = d.instance.drain(new AbortController().signal);
  t.same(d.instance.readiness(), { ready: false, reason: 'draining' });
  release();
  const r = await pending;
  t.equal(await r.body.text(), 'done');
  await drained;
  t.equal(d.instance.inFlight(), 0);
  await d.instance.stop();
});

t.test('drain gives up at the deadline', async (t) => {
  const d = await adapter();
  const arrived = new Promise<void>((resolve) => {
    handler = () => resolve(); // never answers
  });
  const pending = request(`${d.base}/other`).catch((err: Error) => err);
  await arrived;
  const deadline = new AbortController();
  const drained = d.instance.drain(deadline.signal);
  deadline.abort();
  await drained;
  t.equal(d.instance.inFlight(), 1, 'the abandoned exchange is still counted');
  await d.instance.stop();
  t.type(await pending, Error, 'the caller sees the connection closed');
  upstream.closeAllConnections();
});

t.test('Upgrade requests with an unknown version are refused with the code', async (t) => {
  const socket = net.connect(Number(a.address.split(':').pop()), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /items/7 HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\napi-version: 9\r\n\r\n');
  let got = '';
  await new Promise<void>((resolve) => {
    socket.on('data', (c) => {
      got += c.toString();
    });
    socket.on('close', () => resolve());
  });
  t.match(got, /^HTTP\/1\.1 400 /);
  t.match(got, /OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION/);
});

t.test('Expect: 100-continue is answered by the adapter and not forwarded', async (t) => {
  handler = (_req, res, body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  };
  const socket = net.connect(Number(a.address.split(':').pop()), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    'POST /items/1 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 7\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n',
  );
  let got = '';
  let sent = false;
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (c) => {
      got += c.toString();
      if (!sent && got.includes('100 Continue')) {
        sent = true;
        socket.write('{"b":1}');
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  t.match(got, /^HTTP\/1\.1 100 Continue\r\n/);
  t.match(got, /HTTP\/1\.1 200 OK/);
  t.match(got, /\{"b":1\}$/, 'the echoed body walked up again');
  t.equal(seen.at(-1)?.headers.expect, undefined);
  t.equal(seen.at(-1)?.body.toString(), '{"a":1}');
});
