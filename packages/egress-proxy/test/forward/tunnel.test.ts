/**
 * CONNECT tunnels' error paths and teardown (in-process, to see the proxy's own state): a refused
 * target → 502, an idle tunnel closed on both sides, a target closing mid-tunnel closes the app
 * side, the policy reloading with the config.
 */
import { createServer, type Socket } from 'node:net';
import { resolveConfig } from '@outrigger/runtime';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { definition } from '../../src/definition.js';
import { startInProcess } from '../fixtures/in-process.js';
import { freePort } from '../fixtures/ports.js';
import { rawExchange, rawSocket } from '../fixtures/raw.js';

const upstreamSockets = new Set<Socket>();
const target = createServer((s) => {
  upstreamSockets.add(s);
  s.on('close', () => upstreamSockets.delete(s));
  s.on('error', () => {});
  s.on('data', (d) => {
    if (String(d).includes('bye')) s.destroy();
    else s.write(d);
  });
});
await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => target.close(() => resolve())));
const port = (target.address() as { port: number }).port;
const closedPort = await freePort();

const raw = (allow: string[]) => ({
  listener: { access_log: false },
  forward_proxy: { enabled: true, allow, connect_ports: [port, closedPort], idle_timeout_ms: 1500 },
});
const { proxy, port: proxyPort } = await startInProcess(t, raw(['127.0.0.1']));
const tunnels = () => (proxy.status() as { tunnels: number }).tunnels;

async function openTunnel(): Promise<Awaited<ReturnType<typeof rawSocket>>> {
  const c = await rawSocket(proxyPort);
  c.socket.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await waitFor(() => c.received().includes('\r\n\r\n'), { what: 'the CONNECT answer' });
  return c;
}

t.test('a tunnel echoes; the target closing mid-tunnel closes the app side', async (t) => {
  const c = await openTunnel();
  t.match(c.received(), /^HTTP\/1\.1 200 /);
  c.socket.write('ping');
  await waitFor(() => c.received().endsWith('ping'), { what: 'the echo' });
  c.socket.write('bye');
  await waitFor(() => c.closed(), { what: 'the app side to be closed' });
  await waitFor(() => tunnels() === 0 && upstreamSockets.size === 0, { what: 'both sides gone' });
  t.pass();
});

t.test('an idle tunnel is closed on both sides after idle_timeout_ms', async (t) => {
  const c = await openTunnel();
  await waitFor(() => upstreamSockets.size === 1, { what: 'the upstream side' });
  await waitFor(() => c.closed(), { timeoutMs: 8000, what: 'the idle tunnel to be closed' });
  await waitFor(() => upstreamSockets.size === 0 && tunnels() === 0, { what: 'the upstream side closed too' });
  t.pass();
});

t.test('the app closing closes the upstream side', async (t) => {
  const c = await openTunnel();
  await waitFor(() => upstreamSockets.size === 1, { what: 'the upstream side' });
  c.socket.destroy();
  await waitFor(() => upstreamSockets.size === 0 && tunnels() === 0, { what: 'the upstream side closed' });
  t.pass();
});

t.test('a refused target → 502 JSON, the app socket closed', async (t) => {
  const res = await rawExchange(proxyPort, `CONNECT 127.0.0.1:${closedPort} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.match(res.text, /^HTTP\/1\.1 502 /);
  t.match(res.text, /OUTRIGGER_E_UPSTREAM_CONNECT/);
  t.ok(res.closed);
  t.equal(tunnels(), 0);
});

t.test('the policy reloads with the config', async (t) => {
  const next = resolveConfig(definition, { listen: '127.0.0.1:0', ...raw(['example.test']) }, {});
  if (!next.ok) throw new Error(JSON.stringify(next.issues));
  await proxy.reload(next.config);
  const res = await rawExchange(proxyPort, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.match(res.text, /^HTTP\/1\.1 403 /, '127.0.0.1 is no longer allowed');
  t.match(res.text, /not in forward_proxy\.allow/);
});

t.test('absolute-form: a slow answer is awaited up to timeout_ms (not connect_timeout_ms); then 504', async (t) => {
  const { createServer: createHttpServer } = await import('node:http');
  const slow = createHttpServer((req, res) => {
    setTimeout(() => res.end('slow but fine'), req.url === '/slower' ? 3000 : 600);
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    slow.closeAllConnections();
    slow.close();
  });
  const slowPort = (slow.address() as { port: number }).port;
  const fp = await startInProcess(t, {
    listener: { access_log: false },
    forward_proxy: { enabled: true, allow: ['127.0.0.1'], connect_timeout_ms: 200, timeout_ms: 1500 },
  });
  const ask = (path: string) =>
    rawExchange(fp.port, `GET http://127.0.0.1:${slowPort}${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const ok = await ask('/slow');
  t.match(ok.text, /^HTTP\/1\.1 200 /);
  t.match(ok.text, /slow but fine$/);
  const late = await ask('/slower');
  t.match(late.text, /^HTTP\/1\.1 504 /);
  t.match(late.text, /OUTRIGGER_E_UPSTREAM_TIMEOUT/);
});
