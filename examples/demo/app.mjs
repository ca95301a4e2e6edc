#!/usr/bin/env node
// The demo's business container: a legacy API (version 2023-01-01) that knows nothing of the
// sidecars. It writes JSON log lines to a file on the shared volume and calls the payments
// service through the egress-proxy on localhost.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const { APP_PORT, LOG_FILE, EGRESS_URL } = process.env;
const customers = new Map([
  ['42', { id: '42', name: 'Ada Lovelace', email: 'ada@example.com' }],
  ['7', { id: '7', name: 'Grace Hopper', email: 'grace@example.com' }],
]);

function log(fields) {
  appendFileSync(LOG_FILE, `${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

const server = createServer(async (req, res) => {
  const match = /^\/customers\/([^/]+)$/.exec(req.url ?? '');
  const customer = match && customers.get(match[1]);
  if (req.method !== 'GET' || !customer) {
    log({ level: 'warn', message: `no such resource: ${req.method} ${req.url}` });
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'not_found', message: 'no such customer' } }));
    return;
  }
  // Outbound call: the app only knows localhost; the egress-proxy owns the rest.
  const upstream = await fetch(`${EGRESS_URL}/payments/balances/${customer.id}`);
  const { balance } = await upstream.json();
  log({ level: 'info', message: `served customer ${customer.id}`, customer: customer.id, payments_status: upstream.status });
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...customer, balance }));
});

server.listen(Number(APP_PORT), '127.0.0.1', () => log({ level: 'info', message: `app listening on 127.0.0.1:${APP_PORT}` }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
