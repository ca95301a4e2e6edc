/**
 * The endpoint's pool against raw `net` upstreams that send exact bytes: malformed responses
 * through a real socket, keep-alive reuse and the cases that forbid it, idle closing, the
 * waiting queue, close/destroy, pause/resume, abort, request framing, and defect 1's rule
 * (`written` is false only for a request of which no byte was handed to the connection).
 */
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { ResponseError } from '../../src/endpoint/response-parser.js';
import {
  type Dialer,
  type UpstreamController,
  UpstreamPool,
  type UpstreamPoolOptions,
  UpstreamRequestError,
} from '../../src/endpoint/upstream-pool.js';
import { ok, type RawUpstream, send, startRawUpstream } from '../fixtures/raw-upstream.js';

/** A pool on `upstream` whose client sockets the test can see. */
function pool(
  t: { teardown(fn: () => unknown): void },
  upstream: RawUpstream,
  options: Partial<UpstreamPoolOptions> = {},
): { pool: UpstreamPool; sockets: Socket[] } {
  const sockets: Socket[] = [];
  const dial: Dialer = (onread, callback) => {
    const socket = connect({ host: '127.0.0.1', port: upstream.port, ...(onread === undefined ? {} : { onread }) });
    sockets.push(socket);
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (err) => callback(err, null));
  };
  const p = new UpstreamPool({ dial, maxConnections: 10, maxQueued: 100, idleTimeoutMs: 60_000, keepAliveMarginMs: 1000, ...options });
  t.teardown(() => p.destroy());
  return { pool: p, sockets };
}

t.test('malformed responses through a socket → an error to the handler, the connection closed', async (t) => {
  const responses = [
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok',
    'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n',
    'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
    'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', // then the close
    'SSH-2.0-OpenSSH_9.2\r\n\r\n',
  ];
  const upstream = await startRawUpstream(t, (c) => c.socket.end(responses[upstream.connections.indexOf(c)] as string));
  const { pool: p } = pool(t, upstream);
  for (const [i, text] of responses.entries()) {
    const res = await send(p);
    t.ok(res.error !== undefined, `${JSON.stringify(text)}: an error`);
    if (i < responses.length - 2) t.ok(res.error instanceof ResponseError, `${JSON.stringify(text)}: a ResponseError`);
    t.equal(res.status === undefined || res.status === 200, true);
    await waitFor(() => p.connected === 0, { what: 'the connection closed' });
  }
});

t.test('keep-alive: a connection is reused after a complete response', async (t) => {
  const upstream = await startRawUpstream(t, (c) => c.socket.write(ok('hi')));
  const { pool: p } = pool(t, upstream);
  const starts: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await send(p, {}, { onStart: (c) => starts.push(c.reused) });
    t.equal(res.body.toString(), 'hi');
  }
  t.equal(upstream.connections.length, 1, 'one connection for three requests');
  t.same(starts, [false, true, true], 'reused from the second on');
  t.equal(p.connected, 1);
});

t.test('no reuse after Connection: close, HTTP/1.0, a body read until the close, or bytes after the response', async (t) => {
  const answers = [
    ok('a', 'connection: close\r\n'),
    'HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nb',
    'HTTP/1.1 200 OK\r\n\r\nc',
    `${ok('d')}HTTP/1.1 200 OK\r\n`,
    'HTTP/1.1 200 OK\r\ncontent-length: 1\r\nkeep-alive: timeout=1\r\n\r\ne', // too short a hint to keep it
  ];
  const upstream = await startRawUpstream(t, (c) => {
    const n = upstream.connections.indexOf(c);
    if (n === 2) c.socket.end(answers[n] as string);
    else c.socket.write(answers[n] as string);
  });
  const { pool: p } = pool(t, upstream);
  for (const [i, want] of ['a', 'b', 'c', 'd', 'e'].entries()) {
    const res = await send(p);
    t.equal(res.body.toString(), want, `answer ${i}`);
    await waitFor(() => upstream.connections[i]?.closed, { what: `connection ${i} closed by the pool` });
  }
  t.equal(upstream.connections.length, 5, 'a new connection each time');
});

t.test('a response that arrives before the request body was sent ends the connection', async (t) => {
  const upstream = await startRawUpstream(t, () => {});
  upstream.server.removeAllListeners('connection');
  upstream.server.on('connection', (s: Socket) => {
    upstream.connections.push({ socket: s, received: '', closed: false });
    s.on('close', () => {
      const c = upstream.connections.find((x) => x.socket === s);
      if (c !== undefined) c.closed = true;
    });
    s.once('data', () => s.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n'));
  });
  const { pool: p } = pool(t, upstream);
  const body = new Readable({ read() {} });
  body.push('first part');
  const res = await send(p, { method: 'POST', headers: ['host', 'x', 'content-length', '100'], body });
  t.equal(res.status, 413);
  await waitFor(() => upstream.connections[0]?.closed, { what: 'the connection not kept' });
});

t.test('idle connections close after idleTimeoutMs', async (t) => {
  const upstream = await startRawUpstream(t, (c) => c.socket.write(ok()));
  const { pool: p } = pool(t, upstream, { idleTimeoutMs: 200 });
  await send(p);
  t.equal(p.connected, 1);
  await waitFor(() => upstream.connections[0]?.closed, { what: 'the idle connection closed by the pool' });
  t.equal(p.connected, 0);
});

t.test("an upstream's Keep-Alive timeout is honoured minus the margin", async (t) => {
  const upstream = await startRawUpstream(t, (c) => c.socket.write(ok('k', 'keep-alive: timeout=2\r\n')));
  const { pool: p } = pool(t, upstream, { idleTimeoutMs: 60_000, keepAliveMarginMs: 1000 });
  await send(p);
  // Honoured: closed ~1 s after the response; ignored: only after 60 s.
  await waitFor(() => upstream.connections[0]?.closed, { timeoutMs: 10_000, what: 'closed at the hinted timeout' });
  t.pass('closed before the 60 s idle timeout');
});

t.test('maxConnections bounds the connections; waiting requests go in order; a full queue refuses', async (t) => {
  const held: Socket[] = [];
  const upstream = await startRawUpstream(t, (c) => held.push(c.socket));
  const { pool: p } = pool(t, upstream, { maxConnections: 1, maxQueued: 3 });
  const order: number[] = [];
  const results = [0, 1, 2].map((i) => send(p, { path: `/${i}` }, { onStart: () => order.push(i) }));
  const refused = await send(p, { path: '/3' });
  t.ok(refused.error instanceof UpstreamRequestError, 'the fourth is refused');
  t.equal((refused.error as UpstreamRequestError).code, 'OUTRIGGER_UPSTREAM_QUEUE_FULL');
  t.equal(refused.started, false);
  for (let i = 0; i < 3; i++) {
    await waitFor(() => held.length === i + 1, { what: `request ${i} on the connection` });
    held[i]?.write(ok(String(i)));
  }
  t.same(
    (await Promise.all(results)).map((r) => r.body.toString()),
    ['0', '1', '2'],
  );
  t.same(order, [0, 1, 2], 'first in, first out');
  t.equal(upstream.connections.length, 1, 'one connection');
});

t.test('abort while queued: the request leaves the queue at once and is never sent', async (t) => {
  const held: Socket[] = [];
  const upstream = await startRawUpstream(t, (c) => held.push(c.socket));
  const { pool: p } = pool(t, upstream, { maxConnections: 1 });
  const first = send(p, { path: '/first' });
  await waitFor(() => held.length === 1, { what: 'the first request on the only connection' });
  let queuedController: UpstreamController | undefined;
  const queued = new Promise<Error | undefined>((resolve) => {
    queuedController = p.dispatch(
      { method: 'GET', path: '/never', headers: ['host', 'x'], body: null },
      {
        onRequestStart: () => resolve(new Error('started')),
        onResponseStart: () => {},
        onResponseData: () => {},
        onResponseEnd: () => resolve(undefined),
        onResponseError: (_c, err) => resolve(err),
      },
    );
  });
  t.equal(p.queued, 1);
  queuedController?.abort(new Error('gave up'));
  t.equal(p.queued, 0, 'left the queue at once');
  t.match((await queued)?.message, 'gave up', 'the handler hears the abort reason');
  held[0]?.write(ok('first'));
  t.equal((await first).body.toString(), 'first');
  t.notMatch(upstream.connections[0]?.received ?? '', /\/never/, 'the aborted request was never sent');
});

t.test('abort mid-body: the connection is destroyed, never reused', async (t) => {
  const upstream = await startRawUpstream(t, (c) => c.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'));
  const { pool: p } = pool(t, upstream);
  const res = await send(p, {}, { onData: (c) => c.abort(new Error('app went away')) });
  t.match(res.error?.message, 'app went away');
  await waitFor(() => upstream.connections[0]?.closed, { what: 'the upstream connection closed' });
  t.equal(p.connected, 0);
});

t.test('pause stops reading the upstream socket; resume reads the rest', async (t) => {
  const size = 8 * 1024 * 1024;
  let upstreamSocket: Socket | undefined;
  const upstream = await startRawUpstream(t, (c) => {
    upstreamSocket = c.socket;
    c.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`);
    c.socket.write(Buffer.alloc(size, 'z'));
  });
  const { pool: p } = pool(t, upstream);
  let controller: UpstreamController | undefined;
  let atPause = 0;
  let received = 0;
  const done = send(
    p,
    {},
    {
      onData: (c, _chunk, total) => {
        received = total;
        if (controller === undefined) {
          controller = c;
          c.pause();
          atPause = total;
        }
      },
    },
  );
  await waitFor(() => controller !== undefined, { what: 'the first body bytes' });
  // While paused the proxy reads nothing: the upstream's socket backs up with unsent bytes.
  await waitFor(() => (upstreamSocket?.writableLength ?? 0) > 0, { what: 'the upstream to be backpressured' });
  t.equal(received, atPause, 'no body bytes while paused');
  controller?.resume();
  const res = await done;
  t.equal(res.body.length, size, 'all bytes after resume');
  t.ok(
    res.body.every((b) => b === 0x7a),
    'bytes intact (read buffers reused safely)',
  );
});

t.test('request framing: Content-Length, chunked, content-length: 0, the head with the first body bytes', async (t) => {
  const seen: { head: string; body: string }[] = [];
  const upstream = await startRawUpstream(t, (c, head, body) => {
    seen.push({ head, body });
    c.socket.write(ok());
  });
  const { pool: p } = pool(t, upstream);
  await send(p, {
    method: 'POST',
    headers: ['host', 'x', 'Content-Length', '5'],
    body: Readable.from([Buffer.from('hel'), Buffer.from('lo')]),
  });
  await send(p, { method: 'POST', headers: ['host', 'x', 'transfer-encoding', 'chunked'], body: Readable.from([Buffer.from('abc')]) });
  await send(p, { method: 'POST', headers: ['host', 'x'], body: null });
  await send(p, { method: 'GET', headers: ['host', 'x'], body: null });
  t.match(seen[0]?.head, /^POST \/ HTTP\/1\.1\r\nhost: x\r\ncontent-length: 5$/);
  t.equal(seen[0]?.body, 'hello');
  t.match(seen[1]?.head, /\r\ntransfer-encoding: chunked$/);
  t.notMatch(seen[1]?.head, /transfer-encoding: chunked\r\ntransfer-encoding/i, "the app's framing header is not repeated");
  t.equal(seen[1]?.body, '3\r\nabc\r\n0\r\n\r\n');
  t.match(seen[2]?.head, /\r\ncontent-length: 0$/, 'an empty POST says so');
  t.notMatch(seen[3]?.head, /content-length/i, 'a GET without a body has no framing header');
  const bad = await send(p, { headers: ['host', 'x', 'x-evil', 'a\r\nx-injected: 1'] });
  t.ok(bad.error instanceof UpstreamRequestError, 'a header value with CRLF is refused');
  t.equal(bad.started, false, 'before any connection');
  t.equal(seen.length, 4, 'nothing sent for it');
});

t.test('defect 1: `written` is false only when no byte of the request went to the connection', async (t) => {
  let answer = true;
  const upstream = await startRawUpstream(t, (c) => {
    if (answer) c.socket.write(ok());
    else c.socket.destroy(); // reads the request, then resets: it may have been processed
  });
  const { pool: p, sockets } = pool(t, upstream);
  await send(p);
  // The kept connection is found closed when the next request takes it: nothing written.
  sockets[0]?.end();
  const found = await send(p, { method: 'POST', headers: ['host', 'x'], body: null });
  t.ok(found.error, 'an error');
  t.equal(found.started, true);
  t.equal(found.controller.reused, true, 'on a reused connection');
  t.equal(found.controller.written, false, 'provably not sent');
  t.notMatch(upstream.connections[0]?.received ?? '', /POST/, 'the upstream never saw it');
  // A request written to a connection that then resets: written, so a POST must not be retried.
  answer = false;
  const reset = await send(p, { method: 'POST', headers: ['host', 'x'], body: null });
  t.ok(reset.error);
  t.equal(reset.controller.written, true, 'written');
  // A body that never arrives: the head waits for it, so nothing was sent.
  const body = new Readable({ read() {} });
  const pending = send(p, { method: 'POST', headers: ['host', 'x', 'content-length', '3'], body });
  await waitFor(() => upstream.connections.length >= 3 && p.connected > 0, { what: 'a connection for the body request' });
  body.destroy(new Error('the app went away'));
  const never = await pending;
  t.ok(never.error);
  t.equal(never.controller.written, false, 'no byte sent while the body had not started');
  t.equal(upstream.connections.at(-1)?.received, '', 'the upstream saw nothing');
  // A connect failure: never started, never written.
  const refused = new UpstreamPool({
    dial: (_onread, callback) => {
      const s = connect({ host: '127.0.0.1', port: 1 });
      s.once('error', (err) => callback(err, null));
    },
    maxConnections: 1,
    maxQueued: 10,
    idleTimeoutMs: 1000,
    keepAliveMarginMs: 500,
  });
  const failed = await send(refused);
  t.equal(failed.started, false);
  t.equal(failed.controller.written, false);
});

t.test('close() waits for the request in flight, then closes; destroy() ends it now', async (t) => {
  const held: Socket[] = [];
  const upstream = await startRawUpstream(t, (c) => held.push(c.socket));
  const { pool: p } = pool(t, upstream);
  const inFlight = send(p);
  await waitFor(() => held.length === 1);
  let closed = false;
  const closing = p.close().then(() => {
    closed = true;
  });
  const late = await send(p);
  t.equal((late.error as UpstreamRequestError | undefined)?.code, 'OUTRIGGER_UPSTREAM_POOL_CLOSED', 'no new request once closing');
  await new Promise((r) => setImmediate(r));
  t.equal(closed, false, 'still waiting for the request in flight');
  held[0]?.write(ok('done'));
  t.equal((await inFlight).body.toString(), 'done', 'the request in flight completes');
  await closing;
  await waitFor(() => upstream.connections[0]?.closed, { what: 'the connection closed' });

  const held2: Socket[] = [];
  const upstream2 = await startRawUpstream(t, (c) => held2.push(c.socket));
  const { pool: p2 } = pool(t, upstream2);
  const cut = send(p2);
  await waitFor(() => held2.length === 1);
  await p2.destroy();
  t.ok((await cut).error, 'destroy fails the request in flight');
  await waitFor(() => upstream2.connections[0]?.closed, { what: 'the connection destroyed' });
});

/** 2 MiB whose every byte depends on its offset: a reused buffer overwritten under a kept view shows. */
const pattern = Buffer.from(Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 13)) % 251));

for (const [name, retains] of [
  ['views kept while `retains` says so', () => true],
  ['views kept without `retains` (a fresh buffer every read)', undefined],
] as const) {
  t.test(`read buffers: ${name} stay intact`, async (t) => {
    const upstream = await startRawUpstream(t, (c) => {
      c.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${pattern.length}\r\n\r\n`);
      c.socket.write(pattern);
    });
    const { pool: p } = pool(t, upstream);
    const views: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      p.dispatch(
        { method: 'GET', path: '/', headers: ['host', 'x'], body: null, retains },
        {
          onRequestStart: () => {},
          onResponseStart: () => {},
          onResponseData: (_c, chunk) => views.push(chunk), // no copy: the views themselves
          onResponseEnd: () => resolve(),
          onResponseError: (_c, err) => reject(err),
        },
      );
    });
    t.ok(views.length > 1, `${views.length} reads`);
    t.ok(Buffer.concat(views).equals(pattern), 'every byte as sent');
  });
}

t.test('body timeout: a body that stops arriving fails the request; one that arrives whole needs no timer', async (t) => {
  const upstream = await startRawUpstream(t, (c, head) => {
    if (head.startsWith('GET /stall')) c.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf');
    else c.socket.write(ok('whole'));
  });
  const { pool: p } = pool(t, upstream);
  const whole = await send(p, { path: '/whole', bodyTimeoutMs: 100 });
  t.equal(whole.body.toString(), 'whole');
  const stalled = await send(p, { path: '/stall', bodyTimeoutMs: 200 });
  t.match(stalled.error?.message, /body timeout/);
  t.equal(stalled.body.toString(), 'half', 'what arrived was passed on');
  await waitFor(() => upstream.connections.every((c) => c.closed), { what: 'the stalled connection closed' });
});

t.test('bytes from the upstream before the request was written are not taken as its answer', async (t) => {
  const upstream = await startRawUpstream(t, () => {});
  upstream.server.on('connection', (s: Socket) => s.write('HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n'));
  const { pool: p } = pool(t, upstream);
  const body = new Readable({ read() {} }); // the app has not sent its body yet: the head waits
  const res = await send(p, { method: 'POST', headers: ['host', 'x', 'content-length', '3'], body });
  t.equal(res.status, undefined, 'no response for it');
  t.ok(res.error);
  t.equal(res.controller.written, false, 'not written: safe to send again');
  body.destroy();
});

t.test('a request body is pulled only as fast as the upstream reads it', async (t) => {
  const total = 64 * 1024 * 1024;
  let upstreamSocket: Socket | undefined;
  let got = 0;
  const { createServer } = await import('node:net');
  const server = createServer((s) => {
    upstreamSocket = s;
    s.pause(); // reads nothing until told
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= total) s.write(ok('all'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    upstreamSocket?.destroy();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const { pool: p, sockets } = pool(t, { port, url: '', server, connections: [] });
  let generated = 0;
  const piece = Buffer.alloc(64 * 1024, 'b');
  const body = new Readable({
    read() {
      if (generated >= total) this.push(null);
      else {
        generated += piece.length;
        this.push(piece);
      }
    },
  });
  const done = send(p, { method: 'PUT', headers: ['host', 'x', 'content-length', String(total)], body });
  await waitFor(() => sockets[0]?.writableNeedDrain, { what: 'the connection to be backed up' });
  const pulled = generated;
  t.ok(pulled < total, `only ${pulled} of ${total} bytes pulled from the body while the upstream does not read`);
  upstreamSocket?.resume();
  const res = await done;
  t.equal(res.body.toString(), 'all');
  t.ok(got > total, 'the head and every body byte arrived');
});
