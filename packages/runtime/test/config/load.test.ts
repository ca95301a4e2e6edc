import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { configSchema, loadConfig, parseConfigText } from '../../src/config/load.js';
import type { SidecarDefinition } from '../../src/sidecar.js';

const definition: SidecarDefinition = {
  name: 'demo',
  version: '1',
  description: 'demo',
  defaultAdminPort: 9999,
  defaultProbePort: 9998,
  schema: Type.Object({ a: Type.Integer({ default: 1 }), b: Type.Integer({ default: 2 }) }, { additionalProperties: false }),
  rules: (c) =>
    (c as unknown as { a: number; b: number }).a > (c as unknown as { b: number }).b ? [{ path: 'a', message: 'must not exceed b' }] : [],
  build: () => {
    throw new Error('not used');
  },
};

t.test('load: defaults for the runtime keys, frozen result', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.yaml');
  await writeFile(file, 'a: ${A:-1}\n');
  const result = await loadConfig<Record<string, unknown>>(definition, file, {});
  t.ok(result.ok);
  if (!result.ok) return;
  t.same(result.config, {
    a: 1,
    b: 2,
    admin: { listen: '127.0.0.1:9999', enabled: true },
    log: { level: 'info' },
    shutdown: { drain_timeout_ms: 20000 },
    probes: { listen: '0.0.0.0:9998', max_event_loop_delay_ms: 5000 },
    config_watch: { enabled: true, debounce_ms: 1000 },
  });
  t.ok(Object.isFrozen(result.config) && Object.isFrozen(result.config.admin));
});

t.test('rules run only on a config that passed the schema', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.json');
  await writeFile(file, '{"a": 5}');
  const result = await loadConfig(definition, file, {});
  t.same(result, { ok: false, code: 'OUTRIGGER_E_CONFIG', issues: [{ path: 'a', message: 'must not exceed b' }] });
  await writeFile(file, '{"a": 5, "b": "x"}');
  const second = await loadConfig(definition, file, {});
  t.same(second, { ok: false, code: 'OUTRIGGER_E_CONFIG', issues: [{ path: 'b', message: 'must be an integer, got "x"' }] });
});

t.test('unreadable and unparsable files', async (t) => {
  const missing = await loadConfig(definition, '/nonexistent/outrigger.yaml', {});
  t.same(missing, {
    ok: false,
    code: 'OUTRIGGER_E_CONFIG_READ',
    issues: [{ path: '/nonexistent/outrigger.yaml', message: 'cannot read config: ENOENT' }],
  });
  const bad = parseConfigText('a: [1\nb: 2\n', 'c.yaml');
  t.match(bad.issues[0], { path: /^c\.yaml:\d+:\d+$/, message: /^not valid YAML/ });
  const dup = parseConfigText('a: 1\na: 2\n', 'c.yaml');
  t.match(dup.issues[0]?.message, /not valid YAML: Map keys must be unique/);
  t.match(parseConfigText('{', 'c.json').issues[0]?.message, /^not valid JSON/);
});

t.test('a sidecar schema may not take the runtime keys', async (t) => {
  t.throws(() => configSchema({ ...definition, schema: Type.Object({ admin: Type.String() }) }), /must not define "admin"/);
});

t.test('rules resolve paths against the config file, and may read files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const seen: string[] = [];
  const withFile: SidecarDefinition = {
    ...definition,
    schema: Type.Object({ file: Type.String() }),
    rules: (c, ctx) => {
      const path = ctx.resolvePath((c as unknown as { file: string }).file);
      seen.push(path);
      return [{ path: 'file', message: `cannot read ${path}` }];
    },
  };
  await writeFile(join(dir, 'c.yaml'), 'file: ./script.js\n');
  const result = await loadConfig(withFile, join(dir, 'c.yaml'), {});
  t.same(seen, [join(dir, 'script.js')]);
  t.same(result, { ok: false, code: 'OUTRIGGER_E_CONFIG', issues: [{ path: 'file', message: `cannot read ${join(dir, 'script.js')}` }] });
});
