/**
 * The public listener against real sockets: slow clients are cut off (headers, body pauses, the
 * whole request), connections are capped, malformed requests and huge headers are answered in the
 * `adapter_errors` shape, logged and counted, and bytes after a request close the connection only
 * after the request is answered.
 */
import http from 'node:http';
import net from 'node:net';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startAdapter } from './fixtures/in-process.js';

const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"a":1}');
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
t.teardown(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;

const limits = {
  headers_timeout_ms: 400,
  request_timeout_ms: 1_500,
  body_idle_timeout_ms: 400,
  keep_alive_timeout_ms: 30_000,
  max_connections: 100,
  max_header_bytes: 8_192,
};
const a = await startAdapter(upstreamUrl, { server: limits });
t.teardown(() => a.instance.stop());

/** A raw connection: everything it received, and whether the adapter closed it. */
interface Raw {
  socket: net.Socket;
  text(): string;
  closed(): boolean;
}

const connect = () => connectTo(a.port, a.host);

async function connectTo(port: number, host: string): Promise<Raw> {
  const socket = net.connect(port, host);
  await new Promise<void>((r) => socket.once('connect', r));
  let got = '';
  let closed = false;
  socket.on('data', (c) => (got += c.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  return { socket, text: () => got, closed: () => closed };
}

/** Writes one byte of `text` every `everyMs` until it is all sent or the socket closed. */
function dribble(raw: Raw, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (raw.closed() || i >= text.length) clearInterval(timer);
    else raw.socket.write(text[i++] as string);
  }, everyMs);
  return () => clearInterval(timer);
}

function bodyOf(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

t.test('headers that never finish: 408 in the adapter_errors shape, then closed', async (t) => {
  const raw = await connect();
  t.teardown(() => raw.socket.destroy());
  raw.socket.write('GET /items/1 HTTP/1.1\r\nhost: x\r\n');
  const stop = dribble(raw, 'x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 50);
  t.teardown(stop);
  await waitFor(() => raw.closed(), { what: 'the adapter to close the slow connection' });
  t.match(raw.text(), /^HTTP\/1\.1 408 /);
  t.match(bodyOf(raw.text()), { error: { code: 'OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT' } });
  t.ok((await a.metric('outrigger_api_adapter_errors_total', { code: 'OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT' })) >= 1, 'counted');
});

for (const [what, path] of [
  ['a transformed route (buffered body)', '/items/1'],
  ['an unmatched route (streamed body)', '/other'],
] as const) {
  t.test(`a request body that stops short on ${what}: 408, then closed`, async (t) => {
    const raw = await connect();
    t.teardown(() => raw.socket.destroy());
    raw.socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":`);
    await waitFor(() => raw.closed(), { what: 'the adapter to close the stalled upload' });
    t.match(raw.text(), /^HTTP\/1\.1 408 /);
    t.match(bodyOf(raw.text()), { error: { code: 'OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT' } });
  });
}

t.test('a body dribbled forever (each pause short) is cut off by the request timeout', async (t) => {
  const raw = await connect();
  t.teardown(() => raw.socket.destroy());
  raw.socket.write('POST /other HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n');
  const stop = dribble(raw, 'a'.repeat(100_000), 100);
  t.teardown(stop);
  await waitFor(() => raw.closed(), { what: 'the adapter to close the dribbling upload' });
  t.match(raw.text(), /^HTTP\/1\.1 408 /);
});

t.test('connections beyond max_connections are closed on arrival and counted', async (t) => {
  const capped = await startAdapter(upstreamUrl, { server: { ...limits, max_connections: 3 } });
  t.teardown(() => capped.instance.stop());
  const connect = () => connectTo(capped.port, capped.host);
  const held: Raw[] = [];
  t.teardown(() => {
    for (const r of held) r.socket.destroy();
  });
  // Three keep-alive connections that each got an answer: accepted and held open.
  for (let i = 0; i < 3; i++) {
    const r = await connect();
    held.push(r);
    r.socket.write('GET /other HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitFor(() => r.text().includes('{"a":1}'), { what: `an answer on connection ${i}` });
  }
  const extra = await connect();
  held.push(extra);
  extra.socket.write('GET /other HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitFor(() => extra.closed(), { what: 'the extra connection to be closed' });
  t.equal(extra.text(), '', 'nothing was answered on it');
  t.equal(await capped.metric('outrigger_api_adapter_dropped_connections_total'), 1);
});

t.test('100 KB of headers: 431 with its code, logged and counted', async (t) => {
  const raw = await connect();
  t.teardown(() => raw.socket.destroy());
  raw.socket.write(`GET /items/1 HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  await waitFor(() => raw.closed(), { what: 'the answer' });
  t.match(raw.text(), /^HTTP\/1\.1 431 /);
  t.match(raw.text(), /content-type: application\/json/);
  t.match(bodyOf(raw.text()), { error: { code: 'OUTRIGGER_E_ADAPTER_HEADERS_TOO_LARGE' } });
  t.equal(await a.metric('outrigger_api_adapter_errors_total', { code: 'OUTRIGGER_E_ADAPTER_HEADERS_TOO_LARGE' }), 1);
  t.ok(a.lines.some((l) => l.code === 'OUTRIGGER_E_ADAPTER_HEADERS_TOO_LARGE' && l.status === 431));
});

t.test('a malformed request: 400 with its code, logged and counted', async (t) => {
  const raw = await connect();
  t.teardown(() => raw.socket.destroy());
  raw.socket.write('GET /items/1 HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n');
  await waitFor(() => raw.closed(), { what: 'the answer' });
  t.match(raw.text(), /^HTTP\/1\.1 400 /);
  t.match(bodyOf(raw.text()), { error: { code: 'OUTRIGGER_E_ADAPTER_BAD_REQUEST' } });
  t.equal(await a.metric('outrigger_api_adapter_errors_total', { code: 'OUTRIGGER_E_ADAPTER_BAD_REQUEST' }), 1);
  t.ok(a.lines.some((l) => l.code === 'OUTRIGGER_E_ADAPTER_BAD_REQUEST' && typeof l.reason === 'string'));
});

t.test('bytes after a request in the same read: the request is answered, then the connection closes', async (t) => {
  const raw = await connect();
  t.teardown(() => raw.socket.destroy());
  raw.socket.write('GET /items/1 HTTP/1.1\r\nhost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n');
  await waitFor(() => raw.closed(), { what: 'the connection to close' });
  t.match(raw.text(), /^HTTP\/1\.1 200 /);
  t.match(raw.text(), /\{"b":1\}$/, 'the transformed answer, and nothing after it');
  t.notMatch(raw.text(), /HTTP\/1\.1 400/);
});

t.test('a connection answered before its upload ended still closes when idle (keep-alive timeout)', async (t) => {
  const small = await startAdapter(upstreamUrl, {
    server: { ...limits, keep_alive_timeout_ms: 300 },
    body: { max_bytes: 1024, max_buffered_bytes: 1 << 20, on_too_large: 'reject', strict: false },
  });
  t.teardown(() => small.instance.stop());
  const raw = await connectTo(small.port, small.host);
  t.teardown(() => raw.socket.destroy());
  raw.socket.write('POST /items/1 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n');
  raw.socket.write('a'.repeat(2000));
  await waitFor(() => raw.text().includes('OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE'), { what: 'the 413' });
  raw.socket.write('a'.repeat(3000));
  await waitFor(() => raw.closed(), { what: 'the idle connection to be closed' });
  t.match(raw.text(), /^HTTP\/1\.1 413 /);
});
