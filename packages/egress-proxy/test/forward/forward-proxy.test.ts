/**
 * Forward-proxy mode with real clients (acceptance 1–4 and 6 of part 2): curl through CONNECT to
 * a TLS nginx (test CA), curl with http_proxy, Node's fetch with undici's EnvHttpProxyAgent,
 * Python's urllib with HTTPS_PROXY; the egress policy (denied hosts and ports, metadata, a name
 * resolving into a denied CIDR through a DNS server); a route's credentials and TLS origination
 * for absolute-form requests; proxy authentication never reaching the upstream.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { makePki, parsePrometheusText, waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { startDns } from '../fixtures/dns.js';
import { startNginx } from '../fixtures/nginx.js';
import { tempDir } from '../fixtures/ports.js';
import { startProxy } from '../fixtures/proxy.js';
import { rawExchange, rawSocket } from '../fixtures/raw.js';

const dir = await tempDir(t, 'egress-forward-');
const pki = await makePki(join(dir, 'pki'));
const tlsNginx = await startNginx(t, { tls: { cert: pki.serverCert, key: pki.serverKey } });
const nginx = await startNginx(t);
const dns = await startDns(t, { 'sneaky.test': '10.0.0.5', 'fine.test': '127.0.0.1' });
const secret = join(dir, 'api-token');
await writeFile(secret, 'route-secret\n');
const proxyToken = join(dir, 'proxy-token');
await writeFile(proxyToken, 'proxy-pass\n');

const forwardProxy = {
  enabled: true,
  allow: ['localhost', '*.test', '127.0.0.1'],
  deny: ['denied.test', '10.0.0.0/8'],
  connect_ports: [443, tlsNginx.port],
  resolver: {
    hosts: { localhost: ['127.0.0.1'], 'plain.test': ['127.0.0.1'], 'denied.test': ['127.0.0.1'] },
    dns_servers: [dns.server],
  },
};
const routes = [
  {
    name: 'cred',
    match: { host: 'cred.test' },
    cluster: 'nginx',
    credentials: { header: 'authorization', file: secret, format: 'Bearer {value}' },
  },
  { name: 'origin', match: { host: 'origin.test' }, cluster: 'tls' },
];
const clusters = {
  nginx: { endpoints: [nginx.url] },
  tls: { endpoints: [tlsNginx.url], tls: { ca_file: pki.caCert } },
};
const proxy = await startProxy(t, { forward_proxy: forwardProxy, routes, clusters });
const authed = await startProxy(t, { forward_proxy: { ...forwardProxy, auth: { token_file: proxyToken } }, routes, clusters });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

t.test('1: curl --proxy through CONNECT to a TLS nginx (test CA)', async (t) => {
  const res = await run('curl', ['-sS', '--proxy', proxy.url, '--cacert', pki.caCert, `https://localhost:${tlsNginx.port}/ok`]);
  t.equal(res.stdout, 'ok', res.stderr);
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'tunnel closed' && l.kind === 'connect');
  t.match(line, { target: `localhost:${tlsNginx.port}`, end: 'closed' });
  t.ok(Number(line.bytes_up) > 0 && Number(line.bytes_down) > 0, 'bytes counted both ways');
  const metrics = parsePrometheusText(await (await fetch(`${proxy.sidecar.adminUrl}/metrics`)).text());
  const up = metrics.get('outrigger_egress_proxy_tunnel_bytes_total')?.samples.find((s) => s.labels.direction === 'up');
  t.ok((up?.value ?? 0) > 0, 'tunnel bytes metric');
});

t.test('1: a denied host → 403 and a deny log line; CONNECT to port 22 → 403', async (t) => {
  const res = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_connect}',
    '--proxy',
    proxy.url,
    `https://denied.test:${tlsNginx.port}/`,
  ]);
  t.equal(res.stdout, '403');
  const line = await proxy.sidecar.waitForLog((l) => l.msg === 'egress denied' && l.host === 'denied.test');
  t.match(line, { code: 'OUTRIGGER_E_EGRESS_DENIED', kind: 'connect', reason: /deny rule "denied\.test"/ });
  const ssh = await rawExchange(proxy.port, 'CONNECT localhost:22 HTTP/1.1\r\nHost: localhost:22\r\n\r\n');
  t.match(ssh.text, /^HTTP\/1\.1 403 /);
  t.match(ssh.text, /"code":"OUTRIGGER_E_EGRESS_DENIED"/);
  t.match(ssh.text, /connect_ports/);
});

t.test('2: Node fetch with EnvHttpProxyAgent, Python urllib with HTTPS_PROXY, curl with http_proxy', async (t) => {
  const ca = await readFile(pki.caCert);
  // requestTls: the TLS options for the target inside the tunnel.
  const agent = new EnvHttpProxyAgent({ httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: '', requestTls: { ca } });
  t.teardown(() => agent.close());
  const https = await undiciFetch(`https://localhost:${tlsNginx.port}/ok`, { dispatcher: agent });
  t.equal(await https.text(), 'ok');
  const http = await undiciFetch(`http://plain.test:${nginx.port}/ok`, { dispatcher: agent });
  t.equal(await http.text(), 'ok');
  const py = await run(
    'python3',
    [
      '-c',
      'import ssl,sys,urllib.request as u; ctx=ssl.create_default_context(cafile=sys.argv[1]); print(u.urlopen(sys.argv[2], context=ctx).read().decode(), end="")',
      pki.caCert,
      `https://localhost:${tlsNginx.port}/ok`,
    ],
    { HTTPS_PROXY: proxy.url },
  );
  t.equal(py.stdout, 'ok', py.stderr);
  // curl reads only the lower-case http_proxy (HTTP_PROXY is ignored by design: "httpoxy").
  const curl = await run('curl', ['-sS', `http://plain.test:${nginx.port}/ok`], { http_proxy: proxy.url, HTTP_PROXY: proxy.url });
  t.equal(curl.stdout, 'ok', curl.stderr);
});

t.test('3: 169.254.169.254 → 403 by default; a name resolving into a denied CIDR → 403', async (t) => {
  const meta = await run('curl', ['-sS', '-w', '\n%{http_code}', '--proxy', proxy.url, 'http://169.254.169.254/latest/meta-data/']);
  t.match(meta.stdout, /metadata[\s\S]*\n403$/);
  const gce = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--proxy', proxy.url, 'http://metadata.google.internal/']);
  t.equal(gce.stdout, '403');
  const sneaky = await run('curl', ['-sS', '-w', '\n%{http_code}', '--proxy', proxy.url, 'http://sneaky.test/']);
  t.match(sneaky.stdout, /10\.0\.0\.5[\s\S]*10\.0\.0\.0\/8[\s\S]*\n403$/, 'checked on the address the DNS server gave');
  t.ok(dns.queries.includes('sneaky.test'), 'resolved through the configured DNS server');
  const fine = await run('curl', ['-sS', '--proxy', proxy.url, `http://fine.test:${nginx.port}/ok`]);
  t.equal(fine.stdout, 'ok', 'a name the DNS server maps to an allowed address');
});

t.test('4: absolute-form to a route that injects credentials; the proxy credential never goes upstream', async (t) => {
  const res = await run('curl', ['-sS', '--proxy', `http://app:proxy-pass@127.0.0.1:${authed.port}`, 'http://cred.test/headers']);
  t.match(res.stdout, /authorization=Bearer route-secret/, 'the route credential');
  t.match(res.stdout, /proxy-authorization=\|/, "the app's Proxy-Authorization not passed on");
  t.notMatch(res.stdout, /proxy-pass|cHJveHktcGFzcw/);
  const plain = await run('curl', [
    '-sS',
    '--proxy',
    `http://app:proxy-pass@127.0.0.1:${authed.port}`,
    `http://plain.test:${nginx.port}/headers`,
  ]);
  t.match(plain.stdout, /proxy-authorization=\|/, 'nor on a host no route names');
  t.match(plain.stdout, /via=1\.1 outrigger\|/);
  // The upstream's own Via headers, every one of them, with ours appended (RFC 9110 §7.6.3).
  const vias = await run('curl', ['-sS', '-D', '-', '--proxy', proxy.url, `http://plain.test:${nginx.port}/vias`]);
  t.same(
    vias.stdout.split('\r\n').filter((l) => /^via:/i.test(l)),
    ['via: 1.1 cdn-a, 1.1 cdn-b, 1.1 outrigger'],
    'every upstream Via kept, in order',
  );
  const noAuth = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--proxy', authed.url, 'http://cred.test/headers']);
  t.equal(noAuth.stdout, '407');
  const bearer = await rawExchange(
    authed.port,
    `CONNECT localhost:${tlsNginx.port} HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Bearer wrong\r\n\r\n`,
  );
  t.match(bearer.text, /^HTTP\/1\.1 407 /);
  t.match(bearer.text, /proxy-authenticate: Basic/i);
  // TLS origination: the app speaks plain HTTP, the route's cluster is https with the test CA.
  const origin = await run('curl', ['-sS', '--proxy', proxy.url, 'http://origin.test/ok']);
  t.equal(origin.stdout, 'ok');
});

t.test('6: Expect: 100-continue to a denied host → 403 before the body is sent', async (t) => {
  const c = await rawSocket(proxy.port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('PUT http://denied.test/upload HTTP/1.1\r\nHost: denied.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
  await waitFor(() => /\r\n\r\n\{.*\}$/s.test(c.received()), { what: 'the answer' });
  t.match(c.received(), /^HTTP\/1\.1 403 /, 'no 100 Continue first');
  t.match(c.received(), /OUTRIGGER_E_EGRESS_DENIED/);
  const ok = await rawSocket(proxy.port);
  t.teardown(() => ok.socket.destroy());
  ok.socket.write(
    `PUT http://plain.test:${nginx.port}/ok HTTP/1.1\r\nHost: plain.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n`,
  );
  await waitFor(() => ok.received().startsWith('HTTP/1.1 100 Continue'), { what: 'a 100 for an allowed host' });
  ok.socket.write('hello');
  await waitFor(() => /HTTP\/1\.1 (200|405)/.test(ok.received()), { what: 'the final answer' });
  t.pass();
});

t.test('a target answering headers the proxy cannot pass on → 502, and the proxy keeps serving', async (t) => {
  // Content-Length values Node's client takes: one over 15 digits (refused by the response
  // writer) and a zero-padded one (valid: leading zeros are digits).
  const answers = [
    'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\nok',
    'HTTP/1.1 200 OK\r\nContent-Length: 0000000000000002\r\n\r\nok',
  ];
  const target = createServer((s) => {
    s.once('data', () => s.end(answers.shift() ?? 'HTTP/1.1 500 x\r\nContent-Length: 0\r\n\r\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.teardown(() => target.close());
  const port = (target.address() as AddressInfo).port;
  const ask = () =>
    rawExchange(proxy.port, `GET http://127.0.0.1:${port}/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const bad = await ask();
  t.match(bad.text, /^HTTP\/1\.1 502 /, 'a 502, not a crash');
  t.match(bad.text, /OUTRIGGER_E_UPSTREAM_RESET/);
  const padded = await ask();
  t.match(padded.text, /^HTTP\/1\.1 200 /, 'the proxy is still up; a zero-padded length passes');
  t.match(padded.text, /\r\n\r\nok$/);
});
