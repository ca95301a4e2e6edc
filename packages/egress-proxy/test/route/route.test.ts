/**
 * Route features through the proxy (a child process): rate limit → 429, body limits → 413,
 * Expect: 100-continue, streaming bodies both ways, header rewrites, X-Forwarded-*, Host
 * rewrite, and the per-route metrics.
 */
import { request as httpRequest } from 'node:http';
import { parsePrometheusText } from '@outrigger/runtime/testing';
import t from 'tap';
import { client, get, startProxy } from '../fixtures/proxy.js';
import { readBody, startServer } from '../fixtures/upstream.js';

const echo = await startServer(t, (req, res) => {
  if (req.url === '/download') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 'd');
    let left = 80; // 5 MiB
    const pump = () => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  void readBody(req).then(
    (body) => {
      res.writeHead(200, { 'content-type': 'application/json', server: 'echo', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, bytes: body.length }));
    },
    () => {
      // the proxy abandoned this request (e.g. its body grew over the limit)
    },
  );
});
const proxy = await startProxy(t, {
  routes: [
    {
      name: 'limited',
      match: { path_prefix: '/limited/' },
      cluster: 'echo',
      rate_limit: { requests_per_second: 0.5, burst: 2 },
    },
    {
      name: 'small',
      match: { path_prefix: '/small/' },
      cluster: 'echo',
      max_body_bytes: 1000,
    },
    {
      name: 'rewrite',
      match: { path_prefix: '/rw/', host: 'app.local' },
      cluster: 'echo',
      prefix_rewrite: '/v2/',
      host_rewrite: 'api.example.com',
      forwarded: 'x-forwarded',
      request_headers: { set: { 'x-team': 'checkout' }, remove: ['x-debug'] },
      response_headers: { add: { 'x-proxied': '1' }, remove: ['server'] },
    },
    { name: 'echo', match: { path_prefix: '/' }, cluster: 'echo' },
  ],
  clusters: { echo: { endpoints: [echo.url] } },
});
const agent = client(t);

t.test('rate limit: over the bucket → 429 with Retry-After and flag RL', async (t) => {
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push(await get(agent, `${proxy.url}/limited/x`));
  t.same(
    statuses.map((s) => s.status),
    [200, 200, 429, 429],
  );
  t.equal(statuses[2]?.headers['x-outrigger-flags'], 'RL');
  t.equal(statuses[2]?.headers['retry-after'], '2');
});

t.test('body limit: Content-Length over it → 413 at once; a chunked body over it → 413', async (t) => {
  const big = await get(agent, `${proxy.url}/small/x`, { method: 'POST', body: 'x'.repeat(2000) });
  t.equal(big.status, 413);
  t.equal(big.headers['x-outrigger-flags'], 'BL');
  const before = echo.count;
  const chunked = await new Promise<{ status: number; flags: unknown }>((resolve, reject) => {
    const req = httpRequest(`${proxy.url}/small/y`, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, flags: res.headers['x-outrigger-flags'] }));
    });
    req.on('error', reject);
    req.write('a'.repeat(600));
    setImmediate(() => req.end('b'.repeat(600)));
  });
  t.equal(chunked.status, 413);
  t.equal(chunked.flags, 'BL');
  t.ok(echo.count - before <= 1, 'at most the one streaming try reached the upstream');
  const fits = await get(agent, `${proxy.url}/small/z`, { method: 'POST', body: 'x'.repeat(1000) });
  t.equal(JSON.parse(fits.body).bytes, 1000);
});

t.test('Expect: 100-continue: the proxy answers 100, then streams the body', async (t) => {
  const result = await new Promise<{ continued: boolean; body: string }>((resolve, reject) => {
    let continued = false;
    const req = httpRequest(`${proxy.url}/echo`, {
      method: 'PUT',
      headers: { expect: '100-continue', 'content-length': '5' },
    });
    req.on('continue', () => {
      continued = true;
      req.end('hello');
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ continued, body }));
    });
    req.on('error', reject);
  });
  t.ok(result.continued);
  const seen = JSON.parse(result.body);
  t.equal(seen.bytes, 5);
  t.equal(seen.headers.expect, undefined, 'Expect is handled by the proxy, not passed on');
});

t.test('large bodies stream both ways', async (t) => {
  const body = Buffer.alloc(5 * 1024 * 1024, 'q');
  const res = await get(agent, `${proxy.url}/big`, { method: 'POST', body });
  t.equal(JSON.parse(res.body).bytes, body.length, 'request body');
  const down = await get(agent, `${proxy.url}/download`);
  t.equal(down.body.length, 5 * 1024 * 1024, 'response body');
});

t.test('prefix rewrite, Host rewrite, header rewrites, X-Forwarded-*', async (t) => {
  const res = await get(agent, `${proxy.url}/rw/charges?x=1`, {
    headers: { host: 'app.local:4140', 'x-debug': '1', 'x-team': 'app', 'x-forwarded-for': '9.9.9.9' },
  });
  t.equal(res.status, 200);
  const seen = JSON.parse(res.body);
  t.equal(seen.url, '/v2/charges?x=1');
  t.equal(seen.headers.host, 'api.example.com');
  t.equal(seen.headers['x-team'], 'checkout');
  t.equal(seen.headers['x-debug'], undefined);
  t.equal(seen.headers['x-forwarded-for'], '9.9.9.9, 127.0.0.1');
  t.equal(seen.headers['x-forwarded-host'], 'app.local:4140');
  t.equal(res.headers['x-proxied'], '1');
  t.equal(res.headers.server, undefined);
  t.equal(res.headers['x-upstream'], 'yes');
  const plain = JSON.parse((await get(agent, `${proxy.url}/echo`, { headers: { 'x-forwarded-for': '9.9.9.9' } })).body);
  t.equal(plain.headers['x-forwarded-for'], undefined, 'routes without forwarding leak nothing');
});

t.test('metrics per route and cluster', async (t) => {
  const text = await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text();
  const families = parsePrometheusText(text);
  const requests = families.get('outrigger_egress_proxy_requests_total');
  const sample = (route: string, cls: string) =>
    requests?.samples.find((s) => s.labels.route === route && s.labels.status_class === cls)?.value;
  t.equal(sample('limited', '2xx'), 2);
  t.equal(sample('limited', '4xx'), 2);
  t.ok((sample('small', '4xx') ?? 0) >= 2);
  t.ok(families.get('outrigger_egress_proxy_request_duration_seconds'));
  t.ok(families.get('outrigger_egress_proxy_pool_connections')?.samples.some((s) => s.labels.cluster === 'echo' && s.value >= 1));
});
