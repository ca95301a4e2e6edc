/**
 * WebSocket / Upgrade (acceptance 5 of part 2): echo both ways through a named route and through
 * forward mode (absolute-form upgrade); 1,000 WebSockets opened and closed — some refused by
 * the upstream, some cut mid-message — leave no sockets or file descriptors behind.
 */
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startInProcess } from '../fixtures/in-process.js';
import { frame, parseFrames, startEchoServer } from '../fixtures/websocket.js';

const echo = await startEchoServer(t);
const { proxy, port } = await startInProcess(t, {
  listener: { access_log: false },
  forward_proxy: { enabled: true, allow: ['echo.test'], resolver: { hosts: { 'echo.test': ['127.0.0.1'] } } },
  routes: [{ name: 'ws', match: { path_prefix: '/ws/' }, cluster: 'echo', strip_prefix: true, upgrade_idle_timeout_ms: 2000 }],
  clusters: { echo: { endpoints: [`http://127.0.0.1:${echo.port}`] } },
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** One WebSocket through the named route with Node's own client: resolves with what happened. */
function session(path: string, message: string): Promise<{ opened: boolean; echoed: string | undefined }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${path}`);
    let opened = false;
    let echoed: string | undefined;
    ws.onopen = () => {
      opened = true;
      ws.send(message);
    };
    ws.onmessage = (e) => {
      echoed = String(e.data);
      ws.close(1000);
    };
    ws.onerror = () => {};
    ws.onclose = () => resolve({ opened, echoed });
  });
}

t.test('echo through a named route, both ways', async (t) => {
  const r = await session('/echo', 'hello through the route');
  t.same(r, { opened: true, echoed: 'hello through the route' });
});

t.test('an Upgrade other than websocket (h2c) is served as an ordinary request', async (t) => {
  const res = await new Promise<string>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('close', () => resolve(text));
    socket.write(
      'GET /ws/plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n',
    );
  });
  t.match(res, /^HTTP\/1\.1 200 /);
  t.match(res, /not a websocket$/, 'the upstream answered it as a plain request');
});

t.test('echo through forward mode (absolute-form upgrade); a denied host → 403', async (t) => {
  const exchange = (target: string) =>
    new Promise<{ head: string; frames: string[] }>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      let buf: Buffer = Buffer.alloc(0);
      let head: string | undefined;
      const frames: string[] = [];
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (head === undefined) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          head = buf.subarray(0, end).toString('latin1');
          buf = buf.subarray(end + 4);
          if (head.startsWith('HTTP/1.1 101')) socket.write(frame(1, Buffer.from('over the forward proxy'), true));
        }
        const parsed = parseFrames(buf);
        buf = parsed.rest;
        for (const f of parsed.frames) {
          frames.push(f.payload.toString());
          socket.write(frame(8, Buffer.from([3, 232]), true));
        }
      });
      socket.on('close', () => resolve({ head: head ?? buf.toString('latin1'), frames }));
      socket.write(
        `GET http://${target}/chat HTTP/1.1\r\nHost: ${target}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  const ok = await exchange(`echo.test:${echo.port}`);
  t.match(ok.head, /^HTTP\/1\.1 101 /);
  t.same(ok.frames.slice(0, 1), ['over the forward proxy']);
  const denied = await exchange(`other.test:${echo.port}`);
  t.match(denied.head, /^HTTP\/1\.1 403 /);
});

t.test('an idle WebSocket is closed on both sides after upgrade_idle_timeout_ms', async (t) => {
  const before = echo.open();
  const closed = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/idle`);
    ws.onerror = () => {};
    ws.onclose = (e) => resolve(e.code);
  });
  t.ok(closed > 0, `closed by the proxy (code ${closed})`);
  await waitFor(() => echo.open() <= before, { what: 'the upstream side to be closed too' });
});

t.test('1,000 WebSockets, some refused upstream, some cut mid-message: no sockets or fds left', async (t) => {
  const run = async (n: number) => {
    let next = 0;
    const outcomes = { echoed: 0, refused: 0, cut: 0 };
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < n) {
          const i = next++;
          const kind = i % 3;
          const r = await session(kind === 0 ? '/echo' : kind === 1 ? '/refuse' : '/midclose', `m${i}`);
          if (r.echoed !== undefined) outcomes.echoed++;
          else if (!r.opened) outcomes.refused++;
          else outcomes.cut++;
        }
      }),
    );
    return outcomes;
  };
  await run(60); // warm-up
  await waitFor(() => echo.open() === 0, { what: 'warm-up sockets closed' });
  const fdBaseline = openFds();
  const upgradesBefore = echo.upgrades;
  const outcomes = await run(1000);
  t.equal(echo.upgrades - upgradesBefore, 1000, 'every upgrade reached the upstream');
  t.ok(outcomes.echoed >= 330 && outcomes.refused >= 330 && outcomes.cut >= 330, JSON.stringify(outcomes));
  await waitFor(() => echo.open() === 0, { timeoutMs: 10_000, what: 'upstream sockets closed' });
  await waitFor(() => openFds() <= fdBaseline + 2, { timeoutMs: 10_000, what: `fds back to ${fdBaseline}` });
  t.ok(openFds() <= fdBaseline + 2, `file descriptors ${fdBaseline} → ${openFds()}`);
  const status = proxy.status() as { in_flight: number; tunnels: number };
  t.equal(status.in_flight, 0);
  await waitFor(() => (proxy.status() as { tunnels: number }).tunnels === 0, { what: 'no tunnel left open' });
});
