// docker/Dockerfile without building it: what the image promises (docs/kubernetes.md) is in the
// file, and the entrypoint's Node flags are the `outrigger` package's `outrigger.nodeFlags`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const dockerfile = readFileSync(join(repoRoot, 'docker/Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'));
const last = (op: string) =>
  instructions
    .filter((l) => l.startsWith(`${op} `))
    .at(-1)
    ?.slice(op.length + 1);

t.test('the entrypoint is node with the outrigger package flags, then the bundle', async (t) => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages/outrigger/package.json'), 'utf8'));
  t.same(JSON.parse(last('ENTRYPOINT') ?? '[]'), ['node', ...pkg.outrigger.nodeFlags, '/opt/outrigger/outrigger.mjs']);
});

t.test('non-root numeric user, SIGTERM, the base an ARG defaulting to the official Node.js 24 slim image', async (t) => {
  t.match(last('USER'), /^[1-9]\d*(:\d+)?$/);
  t.equal(last('STOPSIGNAL'), 'SIGTERM');
  t.match(dockerfile, /^ARG BASE_IMAGE=docker\.io\/library\/node:24-slim$/m);
  t.match(dockerfile, /^FROM \$\{BASE_IMAGE\}$/m);
  t.notMatch(dockerfile, /^RUN /m, 'no RUN: the base needs no shell');
  for (const label of ['title', 'version', 'revision', 'created', 'licenses', 'source']) {
    t.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), `OCI label ${label}`);
  }
});

t.test('only the bundle goes in: no source maps, sources or node_modules', async (t) => {
  const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
  t.ok(copies.length > 0);
  for (const c of copies) t.match(c, /^COPY packages\/outrigger\/dist\/bundle\/\S*\.mjs /, c);
});
