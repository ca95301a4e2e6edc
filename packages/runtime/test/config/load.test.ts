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

t.test('YAML mistakes: file:line:col once per mistake, the position not repeated in the text', async (t) => {
  const one = parseConfigText('a: 1\n- b\n', 'config.yaml').issues;
  t.equal(one.length, 1, 'three parser errors on one line are one mistake');
  t.match(one[0], { path: 'config.yaml:2:1', message: /^not valid YAML: [^\n]+$/ });
  t.notMatch(one[0]?.message, /at line \d+, column/);
  const two = parseConfigText('a: [\n  1,\nb: 3\nc: {x\n', 'config.yaml').issues;
  t.same(
    two.map((i) => i.path),
    ['config.yaml:3:1', 'config.yaml:5:1'],
  );
  t.same(parseConfigText('a: *nope\n', 'c.yaml').issues, [
    { path: 'c.yaml:1:4', message: 'not valid YAML: alias *nope refers to no anchor (&nope) before it' },
  ]);
  t.same(parseConfigText('a: b\x07c\n', 'c.yaml').issues, [
    { path: 'c.yaml:1:5', message: 'not valid YAML: control character U+0007 is not allowed' },
  ]);
  t.same(parseConfigText('a: 1\n---\nb: 2\n', 'c.yaml').issues, [
    { path: 'c.yaml:2:1', message: 'not valid YAML: more than one document (---); a config file holds one' },
  ]);
  const bomb = [
    'a: &a [1,1,1,1,1,1,1,1,1,1]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    '',
  ].join('\n');
  t.match(parseConfigText(bomb, 'c.yaml').issues, [{ path: 'c.yaml', message: /^not valid YAML: Excessive alias count/ }]);
  t.same(parseConfigText('{"a": 1,\n  "b" 2}', 'c.json').issues, [
    { path: 'c.json:2:7', message: "not valid JSON: Expected ':' after property name" },
  ]);
  t.same(parseConfigText('{"password": hunter2}', 'c.json').issues, [{ path: 'c.json', message: "not valid JSON: Unexpected token 'h'" }]);
});

t.test('the top level must be a mapping; an empty file is an empty mapping', async (t) => {
  t.same(parseConfigText('- a\n- b\n', 'c.yaml').issues, [
    { path: 'c.yaml', message: 'not a config: the top level must be a mapping of keys (key: value), got a list' },
  ]);
  t.same(parseConfigText('hello\n', 'c.yaml').issues, [
    { path: 'c.yaml', message: 'not a config: the top level must be a mapping of keys (key: value), got a string' },
  ]);
  t.same(
    parseConfigText('[1]', 'c.json').issues[0]?.message,
    'not a config: the top level must be a mapping of keys (key: value), got a list',
  );
  t.same(parseConfigText('# nothing yet\n', 'c.yaml'), { value: {}, issues: [] });
  t.same(parseConfigText('\uFEFFa: 1\n', 'c.yaml'), { value: { a: 1 }, issues: [] }, 'a byte order mark is fine');
});

t.test('a binary file says so instead of echoing bytes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const { gzipSync } = await import('node:zlib');
  const random = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 167 + 13) % 256));
  const cases: Record<string, Buffer> = {
    'image.yaml': png,
    'c.yaml.gz': gzipSync('a: 1\n'),
    'random.yaml': random,
    'nul.yaml': Buffer.from('a: 1\nb: \0\n'),
    'latin1.json': Buffer.from('{"a": "caf\xe9"}', 'latin1'),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const file = join(dir, name);
    await writeFile(file, bytes);
    const result = await loadConfig(definition, file, {});
    t.same(
      result,
      { ok: false, code: 'OUTRIGGER_E_CONFIG_READ', issues: [{ path: file, message: 'not a text config file (binary data)' }] },
      name,
    );
  }
});

t.test('files the config names (format: file) must be readable, relative to the config file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'ca.pem'), 'pem\n');
  let rulesRan = 0;
  const withFiles: SidecarDefinition = {
    ...definition,
    schema: Type.Object({
      upstream: Type.Object({ tls: Type.Object({ ca_file: Type.Optional(Type.String({ format: 'file' })) }) }),
      scripts: Type.Array(Type.String({ format: 'file' }), { default: [] }),
    }),
    rules: () => {
      rulesRan++;
      return [];
    },
  };
  const file = join(dir, 'c.yaml');
  await writeFile(file, 'upstream: { tls: { ca_file: certs/ca.pem } }\nscripts: [./certs/ca.pem]\n');
  t.ok((await loadConfig(withFiles, file, {})).ok);
  t.equal(rulesRan, 1);
  await writeFile(file, 'upstream: { tls: { ca_file: certs/nope.pem } }\nscripts: [certs, /etc/x/y.js, "${MISSING}"]\n');
  const result = await loadConfig(withFiles, file, {});
  t.same(result, {
    ok: false,
    code: 'OUTRIGGER_E_CONFIG',
    issues: [
      { path: 'scripts[2]', message: 'environment variable MISSING is not set (write ${MISSING:-default} to allow that)' },
      { path: 'upstream.tls.ca_file', message: `cannot read "${join(dir, 'certs/nope.pem')}": no such file (ENOENT)` },
      { path: 'scripts[0]', message: `cannot read "${join(dir, 'certs')}": is a directory (EISDIR)` },
      { path: 'scripts[1]', message: 'cannot read "/etc/x/y.js": no such file (ENOENT)' },
    ],
  });
  t.equal(rulesRan, 1, 'rules do not run on a config with missing files');
});
