#!/usr/bin/env node
// A stand-in for the payments service the demo app calls through the egress-proxy (the pod runs
// with `--network none`, so "the outside world" is one more container). It insists on the bearer
// token the proxy injects: a call that bypasses the proxy gets 401.
import { createServer } from 'node:http';

const port = Number(process.env.PAYMENTS_PORT ?? 9090);
const token = process.env.PAYMENTS_TOKEN ?? 'demo-token-1';
const server = createServer((req, res) => {
  if (req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ balance: '12.50', team: req.headers['x-team'] }));
}).listen(port, '127.0.0.1');
// PID 1 in its container: without a handler SIGTERM would do nothing.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
