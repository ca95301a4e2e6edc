import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigIssue } from '@outrigger/runtime';
import t from 'tap';
import { compileBodyOp } from '../../src/operation/index.js';
import { bodyOp, bodyOpIssues, context, down, up } from '../fixtures/compile.js';

t.test('expressions over body and ctx', async (t) => {
  const op = bodyOp({
    type: 'script',
    up: '({ ...body, count: body.items.length, m: ctx.method })',
    down: '(({ count, m, ...rest }) => rest)(body)',
    timeout_ms: 5000,
  });
  t.same(up(op, { items: [1, 2] }), { items: [1, 2], count: 2, m: 'GET' });
  t.same(down(op, { items: [1], count: 1, m: 'GET' }), { items: [1] });
});

t.test('a throwing or endless script fails with a code, not a crash', async (t) => {
  const throwing = bodyOp({ type: 'script', up: 'body.missing.field', down: 'body', timeout_ms: 500000 });
  t.throws(() => up(throwing, {}), {
    code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED',
    status: 502,
    message: /Cannot read properties of undefined/,
  });
  const endless = bodyOp({ type: 'script', up: 'body', down: '(() => { while (true) {} })()', timeout_ms: 20 });
  t.throws(() => down(endless, {}), { code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', message: /timed out after 20ms/ });
  const undef = bodyOp({ type: 'script', up: 'undefined', down: 'Promise.resolve(body)', timeout_ms: 5000 });
  t.throws(() => up(undef, {}), { code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', message: /got undefined/ });
  t.throws(() => down(undef, {}), { code: 'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', message: /got a promise/ });
});

t.test('no access to require or process', async (t) => {
  const op = bodyOp({ type: 'script', up: 'typeof require + typeof process', down: 'body', timeout_ms: 5000 });
  t.equal(up(op, {}), 'undefinedundefined');
});

t.test('a module file exporting up and down', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aa-script-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'change.js');
  await writeFile(file, 'module.exports = { up(b) { return { v2: b.v1 }; }, down(b) { return { v1: b.v2 }; } };');
  const op = bodyOp({ type: 'script', file, timeout_ms: 5000 });
  t.same(up(op, { v1: 1 }), { v2: 1 });
  t.same(down(op, { v2: 1 }), { v1: 1 });
  await writeFile(join(dir, 'half.js'), 'exports.up = (b) => b;');
  const issues: ConfigIssue[] = [];
  t.notOk(compileBodyOp({ type: 'script', file: join(dir, 'half.js'), timeout_ms: 5000 }, context(issues)));
  t.match(issues, [{ path: 'op.file', message: /must export a function `down/ }]);
  t.match(bodyOpIssues({ type: 'script', file: join(dir, 'nope.js') }), [{ path: 'op.file', message: /cannot read/ }]);
});

t.test('config problems', async (t) => {
  t.match(bodyOpIssues({ type: 'script', up: 'body' }), [{ path: 'op.down', message: /required/ }]);
  t.match(bodyOpIssues({ type: 'script', up: 'body +', down: 'body' }), [{ path: 'op.up', message: /does not compile/ }]);
});
