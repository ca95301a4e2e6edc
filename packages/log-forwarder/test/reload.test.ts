/**
 * Config reload (a ConfigMap `..data` swap seen by the runtime's config watch): the pipeline hands
 * over through its checkpoint in the same process — no line lost while the app keeps writing, the
 * lines after the swap go where the new config says, counters carry on. An invalid config is
 * refused; a config that validates but whose pipeline fails to start is rolled back to the running one.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMapVolume, spawnSidecar, waitFor } from '@outrigger/runtime/testing';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { createForwarder } from '../src/definition.js';
import { sinkFactories } from '../src/sink/index.js';
import type { SinkFactory } from '../src/sink/sink.js';
import { names } from './fixtures/expect.js';
import { makeConfig, memorySinkFactory, numbered } from './fixtures/harness.js';
import { readMessages } from './fixtures/lines.js';

const bin = fileURLToPath(new URL('../src/main.js', import.meta.url));

t.test('a ConfigMap swap moves the output without losing a line; a config that cannot start is refused', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lf-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  const outA = path.join(dir, 'a.jsonl');
  const outB = path.join(dir, 'b.jsonl');
  const config = (out: string) =>
    JSON.stringify({
      admin: { listen: '127.0.0.1:0' },
      probes: { listen: '' },
      log: { level: 'info' },
      config_watch: { debounce_ms: 50 },
      state_dir: path.join(dir, 'state'),
      checkpoint_interval_ms: 50,
      sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], poll_interval_ms: 20, rescan_interval_ms: 100 } },
      sinks: { out: { type: 'file', inputs: ['app'], path: out } },
    });
  await mkdir(path.join(dir, 'config'));
  const volume = new ConfigMapVolume(path.join(dir, 'config'));
  await volume.write({ 'log-forwarder.json': config(outA) });
  await writeFile(log, numbered('a', 1, 500));
  const sidecar = await spawnSidecar({ bin, config: volume.path('log-forwarder.json') });
  t.teardown(() => sidecar.stop('SIGKILL').catch(() => undefined));
  await sidecar.waitReady();
  await waitFor(async () => (await readMessages(outA)).length >= 500, { what: 'the first lines in a.jsonl' });
  const ackedBefore = await acked(sidecar.adminUrl);

  // The app keeps writing while the config is swapped.
  let n = 500;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await appendFile(log, numbered('a', n + 1, 20));
      n += 20;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await volume.write({ 'log-forwarder.json': config(outB) });
  await sidecar.waitForLog((l) => l.msg === 'pipeline reloaded from its checkpoint', 20_000);
  await waitFor(async () => (await readMessages(outB)).length > 0, { what: 'lines in b.jsonl after the reload' });
  writing = false;
  await writer;
  const all = async () => new Set([...(await readMessages(outA)), ...(await readMessages(outB))]);
  await waitFor(async () => (await all()).size >= n, { timeoutMs: 20_000, what: 'every line in a or b' });
  const got = await all();
  t.same(
    names('a', 1, n).filter((l) => !got.has(l)),
    [],
    'no line lost across the reload',
  );
  const inB = await readMessages(outB);
  t.equal(inB.at(-1), names('a', n, 1)[0], 'the last line went to the new output');
  t.ok((await acked(sidecar.adminUrl)) >= ackedBefore + inB.length, 'the acknowledged counter carried on');

  // An invalid config (a sink without a path) is refused; the running one (b.jsonl) goes on.
  await volume.write({ 'log-forwarder.json': config(outB).replace(`"path":${JSON.stringify(outB)}`, '"paht":"x"') });
  await sidecar.waitForLog((l) => l.code === 'OUTRIGGER_E_RELOAD', 20_000);
  await appendFile(log, numbered('after', 1, 50));
  await waitFor(async () => (await readMessages(outB)).filter((m) => m.startsWith('after-')).length === 50, {
    timeoutMs: 20_000,
    what: 'lines still forwarded on the running config',
  });
  t.equal(sidecar.child.exitCode, null, 'the same process throughout');
  t.equal((await sidecar.stop('SIGTERM')).code, 0);
});

/** What the runtime hands a sidecar, built in-process: a logger whose lines the test reads, a registry. */
function context(dir: string) {
  const logs: { msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const ctx = {
    name: 'log-forwarder',
    logger,
    metrics: new Registry(),
    metricName: (s: string) => `outrigger_log_forwarder_${s}`,
    resolvePath: (p: string) => path.resolve(dir, p),
  };
  return { ctx, logs };
}

t.test('a sink the reload removes stops reporting its gauges; its replacement reports', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lf-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'logs'));
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-length': 0 }).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    receiver.closeAllConnections();
    receiver.close();
  });
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  const raw = (sink: string) => ({
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')] } },
    sinks: { [sink]: { type: 'http', inputs: ['app'], endpoint } },
  });
  const { ctx } = context(dir);
  const inst = createForwarder(makeConfig(raw('before')), ctx);
  t.teardown(async () => {
    await inst.drain(AbortSignal.timeout(2000));
    await inst.stop();
  });
  await inst.start();
  const gauges = async () => (await ctx.metrics.metrics()).split('\n').filter((l) => l.startsWith('outrigger_log_forwarder_sink_healthy{'));
  t.same(await gauges(), ['outrigger_log_forwarder_sink_healthy{sink="before"} 1']);
  await inst.reload?.(makeConfig(raw('after')));
  t.same(await gauges(), ['outrigger_log_forwarder_sink_healthy{sink="after"} 1'], 'only the running sink');
});

async function acked(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const m = /outrigger_log_forwarder_sink_acked_events_total\{sink="out"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? 0);
}

t.test('a new pipeline that fails to start → the running config is started again and the reload refused', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lf-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  const memory = memorySinkFactory();
  const failing: SinkFactory = {
    type: 'failing',
    schema: Type.Object({ type: Type.Literal('failing'), inputs: Type.Array(Type.String()) }),
    create: (name) => ({
      name,
      start: () => Promise.reject(new Error('cannot start')),
      write: () => Promise.reject(new Error('unreachable')),
      health: () => ({ healthy: false }),
      stop: async () => {},
      status: () => ({}),
    }),
  };
  const raw = (sink: Record<string, unknown>) => ({
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], poll_interval_ms: 20, rescan_interval_ms: 100 } },
    sinks: { out: { inputs: ['app'], ...sink } },
  });
  const { ctx, logs } = context(dir);
  const inst = createForwarder(makeConfig(raw({ type: 'memory' }), [memory, failing]), ctx, {
    sinkFactories: [...sinkFactories, memory, failing],
  });
  t.teardown(async () => {
    await inst.drain(AbortSignal.timeout(2000));
    await inst.stop();
  });
  await writeFile(log, numbered('a', 1, 100));
  await inst.start();
  await waitFor(() => (memory.instances.get('out')?.messages().length ?? 0) >= 100, { what: 'the first lines' });

  await t.rejects(inst.reload?.(makeConfig(raw({ type: 'failing' }), [memory, failing])) as Promise<void>, /cannot start/);
  t.ok(logs.some((l) => l.msg === 'the new config did not start; starting the running config again'));
  await appendFile(log, numbered('b', 1, 100));
  // The running config again: a new memory sink instance, fed from the checkpoint on.
  await waitFor(() => memory.instances.get('out')?.messages().includes('b-000100') ?? false, { what: 'lines after the failed reload' });
  t.same(inst.readiness(), { ready: true });
});
