import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import t from 'tap';
import { freePort, parsePrometheusText, waitFor } from '../src/testing.js';

t.test('the Prometheus text parser accepts the format and rejects what is not', async (t) => {
  const good = [
    '# HELP a_total Things.',
    '# TYPE a_total counter',
    'a_total{kind="x",path="a\\"b"} 3',
    '# TYPE h histogram',
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.3',
    'h_count 2',
    '# TYPE g gauge',
    'g NaN',
    '# TYPE g2 gauge',
    'g2 Nan',
    '',
  ].join('\n');
  const families = parsePrometheusText(good);
  t.same(families.get('a_total')?.samples, [{ name: 'a_total', labels: { kind: 'x', path: 'a"b' }, value: 3 }]);
  t.equal(families.get('h')?.samples.length, 4);
  t.ok(Number.isNaN(families.get('g2')?.samples[0]?.value), 'Nan as prom-client prints it');

  t.throws(() => parsePrometheusText('x 1\n'), /has no # TYPE/);
  t.throws(() => parsePrometheusText('# TYPE x gauge\nx one\n'), /bad sample value/);
  t.throws(() => parsePrometheusText('# TYPE x gauge\nx{a=b} 1\n'), /bad labels/);
  t.throws(() => parsePrometheusText('# TYPE x gauge\nx 1'), /end with a newline/);
  t.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n'), /\+Inf bucket 2 != count 3/);
});

t.test('waitFor polls until truthy and fails at the deadline', async (t) => {
  let n = 0;
  t.equal(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 }), 3);
  await t.rejects(
    waitFor(() => false, { timeoutMs: 30, what: 'never' }),
    /timed out after 30 ms waiting for never/,
  );
});

t.test('freePort gives distinct bindable ports below the ephemeral range', async (t) => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  t.equal(new Set(ports).size, ports.length, 'no port handed out twice');
  for (const port of ports) t.ok(port >= 10000 && port < low, `${port} is outside ${low}..`);
  const server = createServer();
  await new Promise<void>((ok) => server.listen(ports[0], '127.0.0.1', ok));
  t.equal((server.address() as { port: number }).port, ports[0]);
  await new Promise((ok) => server.close(ok));
});
