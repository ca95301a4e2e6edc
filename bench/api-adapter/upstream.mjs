// The benchmark upstream: precomputed JSON bodies in the 2023-01-01 shape, no work per request.
// Prints {"port": N} once listening on 127.0.0.1:0.
import http from 'node:http';

function list(n) {
  const data = Array.from({ length: n }, (_, i) => ({
    id: `inv_${i}`,
    amount: `${(i * 37) % 1000}.${String(i % 100).padStart(2, '0')}`,
    currency: 'eur',
    status: i % 3 ? 'open' : 'paid',
    created: 1700000000 + i,
    customer: { id: `cus_${i % 50}`, name: 'Ada Lovelace', email: 'ada@example.com' },
  }));
  return Buffer.from(JSON.stringify({ object: 'list', data, has_more: true, cursor: 'abc' }));
}
const bodies = { '/invoices10': list(10), '/invoices1000': list(1000), '/plain10': list(10), '/plain1000': list(1000) };
const server = http.createServer((req, res) => {
  const body = bodies[req.url.split('?')[0]];
  if (!body) {
    res.writeHead(404);
    return res.end();
  }
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
