/** Logs show paths without their queries, and neither logs nor /status show URL credentials. */
import http from 'node:http';
import type net from 'node:net';
import t from 'tap';
import { request } from 'undici';
import { startAdapter } from './fixtures/in-process.js';

const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(req.url?.startsWith('/things/bad') ? 'not json' : '{"a":1}');
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
t.teardown(() => {
  upstream.closeAllConnections();
  upstream.close();
});
const port = (upstream.address() as net.AddressInfo).port;

t.test('the access log and warnings carry the path, never the query', async (t) => {
  const a = await startAdapter(`http://127.0.0.1:${port}`, { access_log: true });
  t.teardown(() => a.instance.stop());
  await (await request(`${a.base}/other?token=sekrit1`)).body.dump();
  await (await request(`${a.base}/items/bad?token=sekrit2`)).body.dump();
  const access = a.lines.filter((l) => l.msg === 'access');
  t.match(access, [
    { method: 'GET', path: '/other', status: 200 },
    { method: 'GET', path: '/items/bad', status: 200 },
  ]);
  t.ok(a.lines.some((l) => l.code === 'OUTRIGGER_E_ADAPTER_UPSTREAM_MALFORMED_JSON' && l.path === '/things/bad'));
  t.notMatch(JSON.stringify(a.lines), /sekrit/);
});

t.test('an unreachable upstream: the warning has the path only; /status hides the URL credentials', async (t) => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise((r) => dead.close(r));
  const a = await startAdapter(`http://admin:hunter2@127.0.0.1:${deadPort}`);
  t.teardown(() => a.instance.stop());
  const r = await request(`${a.base}/other?api_key=sekrit3`);
  t.equal(r.statusCode, 502);
  await r.body.dump();
  t.ok(a.lines.some((l) => l.msg === 'upstream request failed' && l.path === '/other'));
  t.notMatch(JSON.stringify(a.lines), /sekrit|hunter2/);
  const status = JSON.stringify(a.instance.status?.());
  t.notMatch(status, /hunter2/);
  t.match(status, /127\.0\.0\.1/);
});
