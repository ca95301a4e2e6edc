#!/usr/bin/env node
// Transforming a body vs a bare JSON.parse + JSON.stringify of it, in one process, same run.
// Usage: node --expose-gc bench/api-adapter/transform.mjs [items ...]   (default: 10 1000)
// Prints one JSON line per case and size: ops/s of each and the cost ratios (goal: body ≤ 1.5×
// bare). Cases: `endpoint` (four operations with `/data/*` pointers on an invoice list) and
// `resource` (a resource change — a customer's name split — found by a walk over a customer list,
// one of them embedded in each item's `referred_by`).
import { Engine } from '../../packages/api-adapter/dist/src/engine.js';
import { runResponseBodySync } from '../../packages/api-adapter/dist/src/version/index.js';
import { invoiceOperations } from './common.mjs';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const config = {
  mode: 'inbound',
  upstream: { url: 'http://127.0.0.1:1', version: '2023-01-01', path_prefix: '' },
  versioning: { header: 'api-version', echo_header: true },
  links: { body_fields: [], endpoints: [] },
  adapter_errors: { body: {} },
  versions: [
    {
      version: '2024-06-01',
      changes: [
        {
          description: 'cents, statuses, customer name split',
          endpoints: ['GET /invoices'],
          request: [],
          response: [],
          request_body: [],
          error_body: [],
          body: invoiceOperations,
          response_body: [],
        },
      ],
    },
    { version: '2023-01-01', changes: [] },
  ],
};
const resourceConfig = {
  ...config,
  resources: [{ name: 'customer', match: { object: 'customer' } }],
  versions: [
    {
      version: '2024-06-01',
      changes: [
        {
          description: 'customer name split',
          resource: 'customer',
          endpoints: [],
          request: [],
          response: [],
          request_body: [],
          response_body: [],
          error_body: [],
          body: [{ type: 'split', from: '/name', into: ['/given_name', '/family_name'], separator: ' ' }],
        },
      ],
    },
    { version: '2023-01-01', changes: [] },
  ],
};

function compile(c) {
  const { engine, issues } = Engine.compile(c);
  if (!engine) throw new Error(JSON.stringify(issues));
  return engine;
}

function listBody(n) {
  const data = Array.from({ length: n }, (_, i) => ({
    id: `inv_${i}`,
    amount: `${(i * 37) % 1000}.${String(i % 100).padStart(2, '0')}`,
    currency: 'eur',
    status: i % 3 ? 'open' : 'paid',
    created: 1700000000 + i,
    customer: { id: `cus_${i % 50}`, name: 'Ada Lovelace', email: 'ada@example.com' },
    lines: [
      { sku: 'A-1', qty: 2 },
      { sku: 'B-2', qty: 1 },
    ],
  }));
  return Buffer.from(JSON.stringify({ object: 'list', data, has_more: true, cursor: 'abc' }));
}

function customerList(n) {
  const customer = (i) => ({
    object: 'customer',
    id: `cus_${i}`,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    created: 1700000000 + i,
    address: { line1: '12 St James Sq', city: 'London', country: 'GB' },
    tags: ['vip', 'eu'],
  });
  const data = Array.from({ length: n }, (_, i) => ({ ...customer(i), referred_by: customer(i + n) }));
  return Buffer.from(JSON.stringify({ object: 'list', data, has_more: true, cursor: 'abc' }));
}

const cases = [
  { name: 'endpoint', engine: compile(config), path: '/invoices', body: listBody },
  { name: 'resource', engine: compile(resourceConfig), path: '/customers', body: customerList },
];

/**
 * Operations per second of CPU time (user + system of this process), not wall time: on a shared
 * machine the scheduler hands the CPU to other processes, and wall time would measure them.
 */
function measure(fn, minMs = 1500) {
  for (let i = 0; i < 50; i++) fn(); // warm up
  globalThis.gc?.(); // start each measurement without the previous one's garbage
  let n = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    const d = process.cpuUsage(start);
    elapsed = (d.user + d.system) / 1000;
  }
  return (n * 1000) / elapsed;
}

for (const { name, engine, path, body } of cases) {
  for (const n of sizes.length ? sizes : [10, 1000]) {
    const buf = body(n);
    const bare = () => Buffer.from(JSON.stringify(JSON.parse(buf.toString())));
    // The body alone (what the goal is about): parse, run the compiled operations, stringify.
    // The operations are synchronous (no script), so they run as the proxy runs them, minus its await.
    const x0 = engine.begin({ method: 'GET', url: path, headers: { 'api-version': '2024-06-01' } });
    const out0 = x0.response(200, { 'content-type': 'application/json' });
    const run = (x, out) => runResponseBodySync(out.bodyFns, JSON.parse(buf.toString()), x.context('response', out.status));
    const bodyOnly = () => Buffer.from(JSON.stringify(run(x0, out0)));
    // Measure only what does the work: the transformed body must differ from the original.
    if (bodyOnly().equals(bare())) throw new Error(`${name}: the change did not apply`);
    // The whole exchange as the proxy runs it: negotiation, request walk, response head, body.
    const exchange = () => {
      const x = engine.begin({ method: 'GET', url: path, headers: { 'api-version': '2024-06-01' } });
      return Buffer.from(JSON.stringify(run(x, x.response(200, { 'content-type': 'application/json' }))));
    };
    // Interleave rounds so that machine noise hits all alike; report medians.
    const a = [];
    const b = [];
    const c = [];
    for (let r = 0; r < 7; r++) {
      a.push(measure(bare, 400));
      b.push(measure(bodyOnly, 400));
      c.push(measure(exchange, 400));
    }
    const med = (xs) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)];
    const [bareOps, bodyOps, exchangeOps] = [med(a), med(b), med(c)];
    console.log(
      JSON.stringify({
        bench: 'api-adapter-transform',
        case: name,
        items: n,
        bytes: buf.length,
        bare_ops_s: Math.round(bareOps),
        body_ops_s: Math.round(bodyOps),
        exchange_ops_s: Math.round(exchangeOps),
        body_cost_ratio: +(bareOps / bodyOps).toFixed(2),
        exchange_cost_ratio: +(bareOps / exchangeOps).toFixed(2),
      }),
    );
  }
}
