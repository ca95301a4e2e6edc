import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigMapVolume, spawnSidecar, waitFor } from '../src/testing.js';
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

t.test('reload: a missing file is refused like any config error; a secret is not echoed in the log', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-life-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(join(dir, 'greeting.txt'), 'from a file\n');
  await writeFile(file, 'admin: { listen: "127.0.0.1:0" }\ngreeting_file: greeting.txt\n');
  const sc = await spawnSidecar({ bin: exampleBin, config: file });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const data = await sc.listenerAddress('data');
  const greet = async () => (await fetch(`http://${data}/`)).text();
  t.equal(await greet(), 'from a file\n');
  await writeFile(file, 'admin: { listen: "127.0.0.1:0" }\ngreeting_file: gone.txt\napi_token: hunter2\n');
  sc.child.kill('SIGHUP');
  const refused = await sc.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.same(refused.issues, [
    { path: 'api_token', message: 'must be at least 16 characters, got a string of 7 characters' },
    { path: 'greeting_file', message: `cannot read ${JSON.stringify(join(dir, 'gone.txt'))}: no such file (ENOENT)` },
  ]);
  t.notMatch(JSON.stringify(sc.logs()) + sc.text(), /hunter2/);
  t.equal(await greet(), 'from a file\n', 'the running config stays');
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

t.test('a ConfigMap ..data swap reloads the config; a broken swap is refused and logged while traffic goes on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-configmap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const volume = new ConfigMapVolume(dir);
  const config = (greeting: string) =>
    `admin: { listen: "127.0.0.1:0" }\nprobes: { listen: "" }\nconfig_watch: { debounce_ms: 50 }\ngreeting: ${greeting}\n`;
  await volume.write({ 'config.yaml': config('one') });
  const sc = await spawnSidecar({ bin: exampleBin, config: volume.path('config.yaml') });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitForLog((l) => l.msg === 'started');
  const data = await sc.listenerAddress('data');
  const greet = async () => (await fetch(`http://${data}/`)).text();
  t.equal(await greet(), 'one\n');

  await volume.write({ 'config.yaml': config('two') });
  await waitFor(async () => (await greet()) === 'two\n', { what: 'the swapped config applied' });
  t.match(
    sc.logs().find((l) => l.msg === 'config reloaded'),
    { trigger: 'config file changed' },
  );

  await volume.write({ 'config.yaml': config('""') });
  const refused = await sc.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD');
  t.match(refused, { level: 'error', trigger: 'config file changed', issues: [{ path: 'greeting', message: 'must not be empty' }] });
  t.equal(await greet(), 'two\n', 'the running config is kept and traffic goes on');
  t.equal((await fetch(`${sc.adminUrl}/readyz`)).status, 200);

  await volume.write({ 'config.yaml': config('three') });
  await waitFor(async () => (await greet()) === 'three\n', { what: 'a good swap after a bad one applies' });
  t.same(await sc.stop('SIGTERM'), { code: 0, signal: null });
});

t.test('config_watch.enabled false: a changed file is not applied until SIGHUP', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-nowatch-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  const config = (greeting: string) =>
    `admin: { listen: "127.0.0.1:0" }\nprobes: { listen: "" }\nconfig_watch: { enabled: false, debounce_ms: 0 }\ngreeting: ${greeting}\n`;
  await writeFile(file, config('one'));
  const sc = await spawnSidecar({ bin: exampleBin, config: file });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitForLog((l) => l.msg === 'started');
  const data = await sc.listenerAddress('data');
  await writeFile(file, config('two'));
  // Proving that nothing happens takes a wait: a watcher with no debounce would have applied the
  // change well within it (the watch test above sees a swap in tens of milliseconds).
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(await (await fetch(`http://${data}/`)).text(), 'one\n', 'not applied without the watch');
  sc.child.kill('SIGHUP');
  await sc.waitForLog((l) => l.msg === 'config reloaded');
  t.equal(await (await fetch(`http://${data}/`)).text(), 'two\n');
  t.equal(sc.logs().filter((l) => l.msg === 'config reloaded').length, 1, 'reloaded once, by the signal');
  t.notOk(sc.logs().some((l) => l.trigger === 'config file changed'));
});
