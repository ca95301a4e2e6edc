import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@outrigger/runtime';
import t from 'tap';
import { definition, type ForwarderConfig } from '../src/definition.js';

const check = (raw: Record<string, unknown>) => resolveConfig<ForwarderConfig>(definition, raw, { POD_NAME: 'web-1' });

const base = {
  state_dir: '/tmp/state',
  sources: { app: { type: 'file', include: ['/var/log/app/*.log'] } },
  sinks: { out: { type: 'stdout', inputs: ['app'] } },
};

t.test('a minimal config is valid and gets the documented defaults', async (t) => {
  const r = check(base);
  t.ok(r.ok);
  if (!r.ok) return;
  const s = r.config.sources.app;
  t.equal(s?.start_at, 'beginning');
  t.equal(s?.max_line_bytes, 65536);
  t.equal(r.config.max_in_flight_bytes, 8388608);
  t.same(r.config.transforms, {});
});

t.test('the issue example validates (env interpolation in add_fields)', async (t) => {
  const r = check({
    state_dir: '/var/lib/outrigger/log-forwarder',
    sources: {
      app: {
        type: 'file',
        include: ['/var/log/app/*.log'],
        exclude: ['*.gz'],
        start_at: 'beginning',
        max_line_bytes: 65536,
        parser: { type: 'json' },
        multiline: { start_pattern: '^\\d{4}-\\d{2}-\\d{2}', timeout_ms: 1000, max_lines: 1000 },
      },
    },
    transforms: {
      meta: { type: 'add_fields', inputs: ['app'], fields: { pod: '${POD_NAME:-local}', namespace: '${POD_NAMESPACE:-default}' } },
    },
    sinks: { local: { type: 'file', inputs: ['meta'], path: '/tmp/out.jsonl' } },
  });
  t.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  if (r.ok) t.same((r.config.transforms as Record<string, { fields: unknown }>).meta?.fields, { pod: 'web-1', namespace: 'default' });
});

t.test('rules: every error at once, each with its dotted path', async (t) => {
  const r = check({
    ...base,
    sources: {
      app: {
        type: 'file',
        include: ['/var/log/app/*.log'],
        multiline: { start_pattern: '^x', preset: 'java' },
        parser: { type: 'json', timestamp: { field: 'ts', format: '%Q' } },
      },
    },
    transforms: {
      a: { type: 'remove', inputs: ['b'], fields: ['x'] },
      b: { type: 'remove', inputs: ['a'], fields: ['x'] },
      c: { type: 'remove', inputs: ['nope'], fields: ['x'] },
      out: { type: 'remove', inputs: ['app'], fields: ['x'] },
    },
    sinks: { out: { type: 'file', inputs: ['ghost'], path: '/var/log/app/out.log' } },
  });
  t.notOk(r.ok);
  if (r.ok) return;
  const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
  t.match(byPath['sinks.out'], /already used in transforms/);
  t.match(byPath['transforms.c.inputs.0'], /no source or transform named "nope"/);
  t.match(byPath['sinks.out.inputs.0'], /no source or transform named "ghost"/);
  t.match(byPath['transforms.a.inputs'], /cycle: a → b → a/);
  t.match(byPath['sources.app.multiline'], /exactly one of/);
  t.match(byPath['sources.app.parser.timestamp.format'], /unsupported directive %Q/);
  t.match(byPath['sinks.out.path'], /would read its own output/);
});

t.test('schema errors name the path', async (t) => {
  const r = check({ ...base, sources: { app: { type: 'file', include: [], parser: { type: 'yaml' }, start_at: 'middle' } } });
  t.notOk(r.ok);
  if (r.ok) return;
  const paths = r.issues.map((i) => i.path);
  t.ok(
    paths.some((p) => p.startsWith('sources.app')),
    paths.join(', '),
  );
});

t.test('a sink tls block: the shared names; cert_file without key_file is refused', async (t) => {
  // The files a config names must exist when it loads; their contents are not looked at here.
  const dir = await mkdtemp(join(tmpdir(), 'lf-definition-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const name of ['ca.pem', 'tls.crt']) await writeFile(join(dir, name), 'PEM');
  const loki = (tls: Record<string, unknown>) =>
    resolveConfig<ForwarderConfig>(
      definition,
      { ...base, sinks: { loki: { type: 'loki', inputs: ['app'], endpoint: 'https://loki:3100', labels: { app: 'x' }, tls } } },
      {},
      join(dir, 'config.yaml'),
    );
  const good = loki({ ca_file: 'ca.pem', servername: 'loki.internal', min_version: 'TLSv1.3' });
  t.ok(good.ok, JSON.stringify(!good.ok && good.issues));
  const half = loki({ cert_file: 'tls.crt' });
  t.match(!half.ok && half.issues, [{ path: 'sinks.loki.tls', message: 'cert_file and key_file go together' }]);
  const old = loki({ server_name: 'loki.internal' });
  t.notOk(old.ok, 'server_name is no longer a key');
});
