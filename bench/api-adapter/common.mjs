// What the api-adapter benchmarks share: starting a process that prints its address, the
// adapter's config (one version change over every item of a list), its peak RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const children = [];

/** Starts `node args`; resolves with the address it prints ({"port": N} or the adapter's listening line). */
export function start(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      for (const line of buf.split('\n')) {
        try {
          const j = JSON.parse(line);
          if (j.port) return resolve(`127.0.0.1:${j.port}`);
          if (j.msg === 'listening' && j.listener === 'data') return resolve(j.address);
        } catch {}
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.at(-1)} exited with ${code}`)));
  });
}

/** Four operations on every item of an invoice list: cents, statuses, the name split, a rename. */
export const invoiceOperations = [
  { type: 'convert', path: '/data/*/amount', from: 'decimal_string', to: 'integer_cents' },
  { type: 'map_values', path: '/data/*/status', map: { open: 'pending', paid: 'settled' } },
  {
    type: 'split',
    from: '/data/*/customer/name',
    into: ['/data/*/customer/given_name', '/data/*/customer/family_name'],
    separator: ' ',
  },
  { type: 'rename', from: '/data/*/created', to: '/data/*/created_at' },
];

/** The adapter in front of upstream.mjs: its /invoices* lists transformed by invoiceOperations. */
export function adapterConfig(upstream, extra = {}) {
  const change = {
    description: 'cents, statuses, name split, rename',
    endpoints: ['GET /invoices10', 'GET /invoices1000'],
    body: invoiceOperations,
  };
  return {
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    probes: { listen: '127.0.0.1:0' },
    log: { level: 'warn' },
    upstream: { url: `http://${upstream}`, version: '2023-01-01' },
    versions: [{ version: '2024-06-01', changes: [change] }, { version: '2023-01-01' }],
    ...extra,
  };
}

export const peakRssMb = (pid) => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
