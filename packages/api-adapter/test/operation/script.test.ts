import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { BodyOp } from '../../src/operation/index.js';
import { ScriptPool } from '../../src/operation/script-pool.js';
import { bodyOp, bodyOpIssues, context } from '../fixtures/compile.js';

const ctx = { method: 'GET', path: '/', message: 'request' as const };
async function run(op: BodyOp, dir: 'up' | 'down', doc: unknown): Promise<unknown> {
  const box = { v: structuredClone(doc) };
  await op[dir](box, { ...ctx });
  return box.v;
}
const failed = (message: RegExp) => ({ code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', status: 502, message });

t.test('expressions over body and ctx', async (t) => {
  const op = bodyOp({
    type: 'script',
    up: '({ ...body, count: body.items.length, m: ctx.method })',
    down: '(({ count, m, ...rest }) => rest)(body)',
    timeout_ms: 5000,
  });
  t.same(await run(op, 'up', { items: [1, 2] }), { items: [1, 2], count: 2, m: 'GET' });
  t.same(await run(op, 'down', { items: [1], count: 1, m: 'GET' }), { items: [1] });
});

t.test('a throwing or endless script fails with a code, not a crash', async (t) => {
  const throwing = bodyOp({ type: 'script', up: 'body.missing.field', down: 'body', timeout_ms: 5000 });
  await t.rejects(run(throwing, 'up', {}), failed(/Cannot read properties of undefined/));
  const endless = bodyOp({ type: 'script', up: 'body', down: '(() => { while (true) {} })()', timeout_ms: 20 });
  await t.rejects(run(endless, 'down', {}), failed(/timed out after 20ms/));
  t.same(await run(endless, 'up', { still: 'works' }), { still: 'works' }, 'the same script serves the next call');
  const undef = bodyOp({ type: 'script', up: 'undefined', down: 'Promise.resolve(body)', timeout_ms: 5000 });
  await t.rejects(run(undef, 'up', {}), failed(/got undefined/));
  await t.rejects(run(undef, 'down', {}), failed(/got a promise/));
});

t.test('an endless loop in a microtask is cut off and the next call is served', async (t) => {
  const op = bodyOp({ type: 'script', up: '(Promise.resolve().then(() => { while (true); }), body)', down: 'body', timeout_ms: 50 });
  await t.rejects(run(op, 'up', { a: 1 }), failed(/timed out/));
  t.same(await run(op, 'down', { a: 1 }), { a: 1 });
});

t.test('a worker that does not answer is terminated at the hard deadline and replaced', async (t) => {
  // The worker's own timeout (10 s here) normally answers first; the hard deadline (30 ms here)
  // is the backstop for a worker that cannot answer at all.
  const pool = new ScriptPool({ workers: 1, maxMemoryMb: 32, deadlineMs: (ms) => (ms === 10_000 ? 30 : ms + 10_000) });
  t.teardown(() => pool.close());
  const stuck = bodyOp.withPool(pool, { type: 'script', up: '(() => { while (true) {} })()', down: 'body', timeout_ms: 10_000 });
  const next = bodyOp.withPool(pool, { type: 'script', up: 'body', down: 'body', timeout_ms: 5_000 });
  await t.rejects(run(stuck, 'up', {}), failed(/its worker was stopped/));
  t.equal(pool.replaced, 1);
  t.same(await run(next, 'down', { b: 2 }), { b: 2 });
});

t.test('a script that exhausts its memory takes down only its worker', async (t) => {
  const pool = new ScriptPool({ workers: 1, maxMemoryMb: 16 });
  t.teardown(() => pool.close());
  const op = bodyOp.withPool(pool, {
    type: 'script',
    up: '(() => { const a = []; for (;;) a.push(new Array(1e5).fill(1)); })()',
    down: 'body',
    timeout_ms: 10_000,
  });
  await t.rejects(run(op, 'up', {}), failed(/worker/));
  t.same(await run(op, 'down', { c: 3 }), { c: 3 });
});

t.test('no host objects: require, process and the host Function are out of reach', async (t) => {
  const op = bodyOp({
    type: 'script',
    up: 'typeof require + typeof process',
    down: 'body.constructor.constructor("return typeof process")()',
    timeout_ms: 5000,
  });
  t.equal(await run(op, 'up', {}), 'undefinedundefined');
  t.equal(await run(op, 'down', { a: 1 }), 'undefined', "a body's constructor.constructor is the context's Function");
});

t.test('bodies go as copies: the script cannot change the caller’s objects', async (t) => {
  const op = bodyOp({ type: 'script', up: '(body.inner.x = 2, body)', down: 'body', timeout_ms: 5000 });
  const inner = { x: 1 };
  const box = { v: { inner } as unknown };
  await op.up(box, { ...ctx });
  t.equal(inner.x, 1);
  t.same(box.v, { inner: { x: 2 } });
});

t.test('a module file exporting up and down; compiling runs none of it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-script-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'change.js');
  await writeFile(file, 'module.exports = { up(b) { return { v2: b.v1 }; }, down(b) { return { v1: b.v2 }; } };');
  const op = bodyOp({ type: 'script', file, timeout_ms: 5000 });
  t.same(await run(op, 'up', { v1: 1 }), { v2: 1 });
  t.same(await run(op, 'down', { v2: 1 }), { v1: 1 });
  // Top-level code that would never return: compiling must not run it.
  await writeFile(join(dir, 'endless.js'), 'while (true) {}\nmodule.exports = { up: (b) => b, down: (b) => b };');
  const endless = bodyOp({ type: 'script', file: join(dir, 'endless.js'), timeout_ms: 50 });
  t.ok(endless, 'compiled without running the file');
  await writeFile(join(dir, 'half.js'), 'exports.up = (b) => b;');
  const half = bodyOp({ type: 'script', file: join(dir, 'half.js'), timeout_ms: 5000 });
  t.same(await run(half, 'up', { a: 1 }), { a: 1 });
  await t.rejects(run(half, 'down', {}), failed(/must export a function down/));
  t.match(bodyOpIssues({ type: 'script', file: join(dir, 'nope.js') }), [{ path: 'op.file', message: /cannot read/ }]);
  await writeFile(join(dir, 'broken.js'), 'module.exports = {');
  t.match(bodyOpIssues({ type: 'script', file: join(dir, 'broken.js') }), [{ path: 'op.file', message: /does not compile/ }]);
});

t.test('config problems', async (t) => {
  t.match(bodyOpIssues({ type: 'script', up: 'body' }), [{ path: 'op.down', message: /required/ }]);
  t.match(bodyOpIssues({ type: 'script', up: 'body +', down: 'body' }), [{ path: 'op.up', message: /does not compile/ }]);
  t.ok(context().resolvePath('x'));
});
