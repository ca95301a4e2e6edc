/**
 * The listener's connections over real sockets with a handler of the test's own (no proxy): one
 * request at a time with pipelined bytes waiting, keep-alive by version and Connection, response
 * framing (Content-Length, chunked, HEAD, HTTP/1.0), request bodies only when read, 100-continue,
 * the headers and keep-alive timeouts of the one sweep, nothing served after the close, CONNECT
 * handed off with its bytes.
 */
import type { Socket } from 'node:net';
import { waitFor } from '@outrigger/runtime/testing';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { AppRequest } from '../../src/listener/app-request.js';
import type { AppResponse } from '../../src/listener/app-response.js';
import { Listener } from '../../src/listener/server.js';
import { rawExchange, rawSocket } from '../fixtures/raw.js';

interface Seen {
  req: AppRequest;
  res: AppResponse;
  expectContinue: boolean;
}

async function listener(
  t: Test,
  handle: (s: Seen) => void,
  config: Record<string, unknown> = {},
  connect?: (req: AppRequest, socket: Socket, head: Buffer) => void,
): Promise<{ port: number; seen: Seen[]; timeouts: () => number }> {
  const seen: Seen[] = [];
  let timeouts = 0;
  const l = new Listener(
    {
      max_header_bytes: 16384,
      max_request_line_bytes: 8192,
      underscore_headers: 'drop',
      headers_timeout_ms: 10000,
      keep_alive_timeout_ms: 60000,
      request_id_header: 'x-request-id',
      access_log: false,
      ...config,
    } as never,
    pino({ level: 'silent' }),
    (req, res, expectContinue) => {
      const s = { req, res, expectContinue };
      seen.push(s);
      handle(s);
    },
    { refused: () => {}, clientTimeout: () => timeouts++ },
    { connect: connect ?? ((_r, socket) => socket.destroy()), upgrade: (_r, socket) => socket.destroy() },
  );
  const address = await l.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => l.close());
  return { port: Number(address.split(':').at(-1)), seen, timeouts: () => timeouts };
}

/** A raw answer without its `Date` lines (their value is the clock's). */
const undated = (text: string) => text.replace(/date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/g, '');

/** Reads a request's whole body through its body interface. */
function readAll(req: AppRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.readBody({ onData: (c) => (body += c.toString('latin1')), onEnd: () => resolve(body), onError: reject });
    req.resume();
  });
}

t.test('pipelined requests: one at a time, answered in order', async (t) => {
  const { port, seen } = await listener(t, (s) => {
    if (s.req.url === '/slow') setTimeout(() => s.res.end('slow'), 200);
    else s.res.end(s.req.url);
  });
  const c = await rawSocket(port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => seen.length === 1, { what: 'the first request' });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(seen.length, 1, 'the pipelined request waits for the first answer');
  await waitFor(() => c.received().endsWith('/next'), { what: 'both answers' });
  t.equal(
    undated(c.received()),
    'HTTP/1.1 200 OK\r\ncontent-length: 4\r\nkeep-alive: timeout=60\r\n\r\nslowHTTP/1.1 200 OK\r\ncontent-length: 5\r\nkeep-alive: timeout=60\r\n\r\n/next',
  );
  t.equal(c.received().match(/\r\ndate: /g)?.length, 2, 'each answer dated');
  t.notOk(c.closed(), 'kept alive');
});

t.test('response framing: chunked without a length, none for HEAD, HTTP/1.0 by the close', async (t) => {
  const { port } = await listener(t, (s) => {
    if (s.req.url === '/length') {
      s.res.writeHead(200, { 'content-length': '5' });
      s.res.end('hello');
      return;
    }
    s.res.writeHead(200, ['x-a', '1', 'x-a', '2']);
    s.res.write('hel');
    s.res.write(Buffer.from('lo'));
    s.res.end();
  });
  const chunked = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(
    undated(chunked.text),
    'HTTP/1.1 200 OK\r\nx-a: 1\r\nx-a: 2\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n',
  );
  t.ok(chunked.closed);
  const head = await rawExchange(port, 'HEAD /length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(undated(head.text), 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\n', 'no body for HEAD');
  const old = await rawExchange(port, 'GET / HTTP/1.0\r\n\r\n');
  t.equal(undated(old.text), 'HTTP/1.1 200 OK\r\nx-a: 1\r\nx-a: 2\r\nconnection: close\r\n\r\nhello');
  t.ok(old.closed, 'HTTP/1.0 without a length: the close ends the body');
  const kept = await rawSocket(port);
  t.teardown(() => kept.socket.destroy());
  kept.socket.write('GET /length HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  await waitFor(() => kept.received().endsWith('hello'), { what: 'the HTTP/1.0 keep-alive answer' });
  t.match(kept.received(), /connection: keep-alive\r\nkeep-alive: timeout=60\r\n/);
  t.notOk(kept.closed());
});

t.test('a small response leaves in one write; a body written whole before end() completes at end(), once', async (t) => {
  const writes: number[] = [];
  const closes: string[] = [];
  let openAtEnd = false;
  const { port } = await listener(t, (s) => {
    // Count the socket writes of this response (the owner is the connection; its socket is the app's).
    const socket = (s.res as unknown as { owner: { socket: Socket } }).owner.socket;
    const write = socket.write;
    let n = 0;
    socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      n++;
      return write.apply(this, args);
    } as typeof socket.write;
    s.res.onClose(() => {
      closes.push(s.req.url);
      writes.push(n);
      socket.write = write;
    });
    s.res.writeHead(200, ['content-length', '2', 'x-up', 'u']);
    s.res.write(Buffer.from('ok'));
    // The body is whole and flushes now; the response is over only once end() is called.
    if (s.req.url === '/late') {
      setTimeout(() => {
        openAtEnd = !s.res.destroyed && closes.length === 0;
        s.res.end();
      }, 100);
    } else s.res.end();
  });
  const c = await rawSocket(port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => closes.length === 1, { what: 'the first response closed' });
  c.socket.write('GET /now HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => c.received().split('\r\n\r\nok').length === 3, { what: 'both answers' });
  t.ok(openAtEnd, 'the flushed body did not close the response before end()');
  t.same(closes, ['/late', '/now'], 'each response closed once, in order, the next request served');
  t.same(writes, [1, 1], 'status line, headers and body in one socket write');
  t.equal(undated(c.received()), 'HTTP/1.1 200 OK\r\nx-up: u\r\ncontent-length: 2\r\nkeep-alive: timeout=60\r\n\r\nok'.repeat(2));
});

t.test('request bodies move only when read; Content-Length and chunked arrive decoded', async (t) => {
  const { port, seen } = await listener(t, (s) => {
    if (s.req.url === '/later') return; // read below
    void readAll(s.req).then((body) => s.res.end(`got ${body}`));
  });
  const cl = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
  t.match(cl.text, /got hello$/);
  const chunked = await rawExchange(
    port,
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n',
  );
  t.match(chunked.text, /got abcde$/);
  const c = await rawSocket(port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz');
  await waitFor(() => seen.some((s) => s.req.url === '/later'), { what: 'the request' });
  const later = seen.find((s) => s.req.url === '/later') as Seen;
  let early = '';
  later.req.readBody({ onData: (d) => (early += String(d)), onEnd: () => {}, onError: () => {} });
  await new Promise((r) => setTimeout(r, 50));
  t.equal(early, '', 'nothing while paused');
  later.req.resume();
  await waitFor(() => early === 'xyz', { what: 'the body once resumed' });
  t.ok(later.req.complete);
});

t.test('100-continue: the handler decides, the body waits for the 100', async (t) => {
  const { port } = await listener(t, (s) => {
    t.equal(s.expectContinue, true);
    s.res.writeContinue();
    void readAll(s.req).then((body) => s.res.end(body));
  });
  const c = await rawSocket(port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
  await waitFor(() => c.received() === 'HTTP/1.1 100 Continue\r\n\r\n', { what: 'the 100' });
  c.socket.write('ok');
  await waitFor(() => c.received().endsWith('\r\n\r\nok'), { what: 'the answer' });
});

t.test('the sweep: a head too slow → 408, an idle keep-alive connection → closed', async (t) => {
  const { port, timeouts } = await listener(t, (s) => s.res.end('ok'), { headers_timeout_ms: 200, keep_alive_timeout_ms: 300 });
  const slow = await rawSocket(port);
  t.teardown(() => slow.socket.destroy());
  slow.socket.write('GET / HTTP/1.1\r\n');
  await waitFor(() => slow.closed(), { what: 'the slow head to be cut off' });
  t.match(slow.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  t.equal(timeouts(), 1);
  const idle = await rawSocket(port);
  t.teardown(() => idle.socket.destroy());
  idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => idle.received().endsWith('ok'), { what: 'the answer' });
  const answered = Date.now();
  await waitFor(() => idle.closed(), { what: 'the idle connection to be closed' });
  t.ok(Date.now() - answered >= 250, 'after keep_alive_timeout_ms, not at once');
  t.equal(idle.received().match(/HTTP\/1\.1/g)?.length, 1, 'closed without a 408');
});

t.test('a client that goes away: the response in flight is closed', async (t) => {
  let closed = false;
  const { port, seen } = await listener(t, (s) => s.res.onClose(() => (closed = true)));
  const c = await rawSocket(port);
  c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => seen.length === 1, { what: 'the request' });
  c.socket.end();
  await waitFor(() => closed, { what: 'the response to be closed' });
  t.ok(seen[0]?.res.destroyed);
});

t.test('answered before its body was read: the connection closes, and what follows it starts no request', async (t) => {
  // As a route does when the upstream answers an upload early: the answer goes out, then the
  // body keeps being read (the upstream's writer pulls it). The rest of the body and the
  // pipelined request behind it arrive on a connection that is closing.
  const { port, seen } = await listener(t, (s) => {
    if (s.req.url !== '/early') {
      s.res.end('served');
      return;
    }
    // The body resumes in the last moment the connection still reads: as its close is written
    // (the listener's own 'finish' listener, which destroys the socket, comes after this one).
    const socket = (s.res as unknown as { owner: { socket: Socket } }).owner.socket;
    socket.once('finish', () => s.req.resume());
    s.res.end('early');
  });
  const c = await rawSocket(port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhelloworldGET /never HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => c.closed(), { what: 'the close' });
  await new Promise((r) => setTimeout(r, 100));
  t.same(
    seen.map((s) => s.req.url),
    ['/early'],
    'the request behind the unread body was not started',
  );
  t.equal((c.received().match(/HTTP\/1\.1 \d{3}/g) ?? []).length, 1, 'one answer');
});

t.test('CONNECT leaves HTTP with the socket and the bytes read after its head', async (t) => {
  let got: { url: string; head: string } | undefined;
  const { port } = await listener(
    t,
    () => t.fail('no request'),
    {},
    (req, socket, head) => {
      got = { url: req.url, head: head.toString('latin1') };
      socket.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    },
  );
  const res = await rawExchange(port, 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n\x16\x03\x01hello');
  t.match(res.text, /^HTTP\/1\.1 200 Connection Established/);
  t.same(got, { url: 'a.test:443', head: '\x16\x03\x01hello' });
});

t.test('a header the writer refuses throws before anything is written; the response can still answer', async (t) => {
  const { port } = await listener(t, (s) => {
    t.throws(() => s.res.writeHead(200, { 'x-bad': 'a\r\nx-injected: 1' }), /invalid response header/);
    t.throws(() => s.res.writeHead(200, { 'bad name': 'v' }), /invalid response header/);
    t.throws(() => s.res.writeHead(200, { 'content-length': '5, 5' }), /Content-Length/);
    t.equal(s.res.headersSent, false);
    s.res.writeHead(502, { 'content-length': '3', date: 'Thu, 01 Jan 1970 00:00:00 GMT' });
    s.res.end('bad');
  });
  const res = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(res.text, 'HTTP/1.1 502 Bad Gateway\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\ncontent-length: 3\r\nconnection: close\r\n\r\nbad');
});
