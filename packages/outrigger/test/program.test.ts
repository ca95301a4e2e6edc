/**
 * The outrigger program through its real bundle: a sidecar by name, and several in one process
 * (check, schema, run: one admin server, logs and metrics labelled by sidecar, one SIGTERM).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePrometheusText, spawnSidecar } from '@outrigger/runtime/testing';
import t from 'tap';

const bin = fileURLToPath(new URL('../../dist/bundle/outrigger.mjs', import.meta.url));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function configFile(
  t: { teardown(fn: () => unknown): void },
  config: Record<string, unknown>,
): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-program-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'pod.yaml');
  await writeFile(file, JSON.stringify(config)); // JSON is YAML too
  return { file, dir };
}

const egress = {
  listen: '127.0.0.1:0',
  routes: [{ name: 'api', match: { path_prefix: '/' }, cluster: 'api' }],
  clusters: { api: { endpoints: ['http://127.0.0.1:9'] } },
};
const adapter = {
  mode: 'inbound',
  listen: '127.0.0.1:0',
  upstream: { url: 'http://127.0.0.1:9', version: '1' },
  versioning: { header: 'api-version' },
  versions: [{ version: '1', changes: [] }],
};

t.test('a sidecar by name is that sidecar', async (t) => {
  t.same(await run(['log-forwarder', '--version']), { code: 0, stdout: 'log-forwarder 0.1.0\n', stderr: '' });
  const schema = JSON.parse((await run(['egress-proxy', 'schema'])).stdout);
  t.ok(schema.properties.routes, "the egress-proxy's own schema");
});

t.test('check: OK, or every problem with its section in the path', async (t) => {
  const good = await configFile(t, { egress_proxy: egress, api_adapter: adapter });
  t.same(await run(['check', '-c', good.file]), { code: 0, stdout: 'OK\n', stderr: '' });

  const bad = await configFile(t, {
    egress_proxy: { ...egress, listen: 'nowhere' },
    api_adapter: { ...adapter, mode: 'sideways' },
  });
  const out = await run(['check', '-c', bad.file]);
  t.equal(out.code, 78);
  t.match(out.stdout, /^api_adapter\.mode: must be one of/m);
  t.match(out.stdout, /^egress_proxy\.listen: must be host:port/m);
  const rule = await configFile(t, {
    egress_proxy: { ...egress, routes: [{ name: 'api', match: { path_prefix: '/' }, cluster: 'nope' }] },
  });
  t.match((await run(['check', '-c', rule.file])).stdout, /^egress_proxy\.routes\[0\]\.cluster: /m, "a section's own rules, with its path");

  const typo = await configFile(t, { egres_proxy: egress });
  const typoOut = await run(['check', '-c', typo.file]);
  t.equal(typoOut.code, 78);
  t.match(typoOut.stdout, /egres_proxy: unknown key \(did you mean "egress_proxy"\?\)/);

  const none = await configFile(t, { admin: { listen: '127.0.0.1:0' } });
  t.match(
    (await run(['check', '-c', none.file])).stdout,
    /no sidecar section: add one or more of log_forwarder, egress_proxy, api_adapter/,
  );
});

t.test('schema: the runtime keys once and a section per sidecar', async (t) => {
  const schema = JSON.parse((await run(['schema'])).stdout);
  t.same(Object.keys(schema.properties).sort(), [
    'admin',
    'api_adapter',
    'config_watch',
    'egress_proxy',
    'log',
    'log_forwarder',
    'probes',
    'shutdown',
  ]);
  t.equal(schema.properties.admin.properties.listen.default, '127.0.0.1:9810');
  t.equal(schema.properties.probes.properties.listen.default, '0.0.0.0:9820');
  t.notOk(schema.required?.includes('egress_proxy'), 'every section is optional');
});

t.test('run: one admin server, per-sidecar metrics and logs, one SIGTERM for all', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-program-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const sc = await spawnSidecar({
    bin,
    config: {
      log_forwarder: {
        state_dir: join(dir, 'state'),
        sources: { app: { type: 'file', include: [join(dir, '*.log')] } },
        sinks: { out: { type: 'file', inputs: ['app'], path: join(dir, 'out', 'events.jsonl') } },
      },
      egress_proxy: egress,
      api_adapter: adapter,
    },
  });
  t.teardown(() => sc.stop('SIGKILL'));
  await sc.waitReady();
  const status = (await (await fetch(`${sc.adminUrl}/status`)).json()) as {
    process: string;
    sidecars: Record<string, { readiness: { ready: boolean } }>;
  };
  t.equal(status.process, 'outrigger');
  t.same(Object.keys(status.sidecars), ['log-forwarder', 'egress-proxy', 'api-adapter']);
  for (const s of Object.values(status.sidecars)) t.same(s.readiness, { ready: true });

  const families = parsePrometheusText(await (await fetch(`${sc.probeUrl}/metrics`)).text());
  for (const name of ['log_forwarder', 'egress_proxy', 'api_adapter']) {
    t.equal(families.get(`outrigger_${name}_ready`)?.samples[0]?.value, 1, `${name} has its own ready gauge`);
  }
  t.equal(families.get('process_resident_memory_bytes')?.samples.length, 1, 'process metrics once');

  const listening = sc.logs().filter((l) => l.msg === 'listening');
  t.ok(
    listening.some((l) => l.sidecar === 'egress-proxy' && l.listener === 'proxy'),
    "the egress-proxy's log lines say so",
  );
  t.ok(
    listening.some((l) => l.process === 'outrigger' && l.listener === 'admin' && l.sidecar === undefined),
    'process lines say process',
  );
  t.same(await sc.stop('SIGTERM'), { code: 0, signal: null });
  t.ok(sc.logs().some((l) => l.msg === 'stopped cleanly'));
});
