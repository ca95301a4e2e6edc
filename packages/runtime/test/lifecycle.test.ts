import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawnSidecar, waitFor } from '../src/testing.js';
import { exampleBin } from './fixtures/example.js';

async function statusOf(adminUrl: string): Promise<{ state: string; detail: { in_flight: number; completed: number } }> {
  return (await fetch(`${adminUrl}/status`)).json() as never;
}

t.test('SIGTERM with work in flight: the work finishes, state persisted, exit 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-life-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'state.json');
  const sc = await spawnSidecar({ bin: exampleBin, config: { shutdown: { drain_timeout_ms: 10000 }, state_file: stateFile } });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  const work = fetch(`http://${data}/work?ms=1500`).then(async (r) => ({ status: r.status, body: await r.text() }));
  await waitFor(async () => (await statusOf(sc.adminUrl)).detail.in_flight === 1, { what: 'job in flight' });
  sc.child.kill('SIGTERM');
  await sc.waitForLog((l) => l.msg === 'shutting down: draining in-flight work');
  const readyz = await fetch(`${sc.adminUrl}/readyz`);
  t.equal(readyz.status, 503, 'not ready while draining');
  t.same(await readyz.json(), { ready: false, reason: 'draining' });
  t.same(await work, { status: 200, body: 'done\n' });
  const exit = await sc.exited;
  t.same(exit, { code: 0, signal: null });
  t.same(JSON.parse(await readFile(stateFile, 'utf8')), { completed: 1 });
  t.ok(sc.logs().some((l) => l.msg === 'stopped cleanly'));
});

t.test('work that cannot finish by the deadline is abandoned and the exit says so', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: { shutdown: { drain_timeout_ms: 300 } } });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  const work = fetch(`http://${data}/work?ms=30000`).then(
    (r) => r.status,
    () => 'aborted',
  );
  await waitFor(async () => (await statusOf(sc.adminUrl)).detail.in_flight === 1, { what: 'job in flight' });
  const exit = await sc.stop('SIGTERM');
  t.same(exit, { code: 1, signal: null });
  const line = sc.logs().find((l) => l.code === 'OUTRIGGER_E_DRAIN_TIMEOUT');
  t.match(line, { level: 'error', abandoned: 1, drain_timeout_ms: 300 });
  t.equal(await work, 'aborted', 'the abandoned request was cut, not answered');
});

t.test('a second signal exits at once', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: { shutdown: { drain_timeout_ms: 60000 } } });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  fetch(`http://${data}/work?ms=60000`).catch(() => {});
  await waitFor(async () => (await statusOf(sc.adminUrl)).detail.in_flight === 1, { what: 'job in flight' });
  sc.child.kill('SIGTERM');
  await sc.waitForLog((l) => l.msg === 'shutting down: draining in-flight work');
  sc.child.kill('SIGINT');
  t.same(await sc.exited, { code: 130, signal: null });
});

t.test('SIGINT drains like SIGTERM', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: {} });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  t.same(await sc.stop('SIGINT'), { code: 0, signal: null });
});

t.test('an uncaught error is logged and exits 70', async (t) => {
  const sc = await spawnSidecar({ bin: exampleBin, config: {} });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  await fetch(`http://${data}/crash`).then((r) => r.text());
  t.same(await sc.exited, { code: 70, signal: null });
  t.match(
    sc.logs().find((l) => l.code === 'OUTRIGGER_E_UNCAUGHT'),
    { level: 'fatal', err: { message: 'boom' } },
  );
});

t.test('SIGHUP reloads a valid config and refuses an invalid one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-life-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'admin: { listen: "127.0.0.1:0" }\nprobes: { listen: "" }\nconfig_watch: { enabled: false }\ngreeting: one\n');
  const sc = await spawnSidecar({ bin: exampleBin, config: file });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  const greet = async () => (await fetch(`http://${data}/`)).text();
  t.equal(await greet(), 'one\n');
  await writeFile(file, 'admin: { listen: "127.0.0.1:0" }\nprobes: { listen: "" }\nconfig_watch: { enabled: false }\ngreeting: two\n');
  sc.child.kill('SIGHUP');
  await waitFor(async () => (await greet()) === 'two\n', { what: 'new greeting' });
  await writeFile(file, 'admin: { listen: "127.0.0.1:0" }\nprobes: { listen: "" }\nconfig_watch: { enabled: false }\ngreeting: ""\n');
  sc.child.kill('SIGHUP');
  const refused = await sc.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.same(refused.issues, [{ path: 'greeting', message: 'must not be empty' }]);
  t.equal(await greet(), 'two\n', 'the running config stays');
  t.same(await sc.stop(), { code: 0, signal: null });
});

t.test('a start failure exits 1 with its code', async (t) => {
  const first = await spawnSidecar({ bin: exampleBin, config: {} });
  t.teardown(() => first.stop('SIGKILL'));
  const taken = await first.listenerAddress('data');
  const second = await spawnSidecar({ bin: exampleBin, config: { listen: taken } });
  t.teardown(() => second.stop('SIGKILL'));
  t.same(await second.exited, { code: 1, signal: null });
  t.match(
    second.logs().find((l) => l.code === 'OUTRIGGER_E_START'),
    { msg: /EADDRINUSE/ },
  );
});
