import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { exampleBin } from './fixtures/example.js';

const exec = promisify(execFile);

async function run(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [exampleBin, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function configFile(t: Test, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  return file;
}

t.test('check: three distinct mistakes, all reported with their paths, exit 78', async (t) => {
  const file = await configFile(
    t,
    [
      'greeting: hi',
      'limits:',
      '  max_work_ms: lots',
      '  min_wrok_ms: 1',
      'upstream: ${UPSTREAM_URL:?set it to the upstream base URL}',
      '',
    ].join('\n'),
  );
  const { code, stdout, stderr } = await run(['check', '-c', file], { UPSTREAM_URL: '' });
  t.equal(code, 78);
  t.same(stdout.trim().split('\n').sort(), [
    'limits.max_work_ms: must be an integer, got "lots"',
    'limits.min_wrok_ms: unknown key (did you mean "min_work_ms"?)',
    'upstream: environment variable UPSTREAM_URL is not set: set it to the upstream base URL',
  ]);
  t.match(stderr, /3 problems \[OUTRIGGER_E_CONFIG\]/);
});

t.test('check: a good config prints OK and opens no sockets', async (t) => {
  // The admin port is taken by us: `check` must not try to bind it.
  const file = await configFile(t, 'greeting: hi\nadmin: { listen: "127.0.0.1:1" }\nupstream: ${U:-http://127.0.0.1:9}\n');
  const { code, stdout } = await run(['check', '-c', file]);
  t.equal(code, 0);
  t.equal(stdout, 'OK\n');
});

t.test('check: cross-field rules', async (t) => {
  const file = await configFile(t, 'limits: { min_work_ms: 10, max_work_ms: 5 }\n');
  const { code, stdout } = await run(['check', '--config', file]);
  t.equal(code, 78);
  t.equal(stdout, 'limits.min_work_ms: must not exceed limits.max_work_ms (5), got 10\n');
});

t.test('run with a bad config: a JSON log line with every issue, exit 78', async (t) => {
  const file = await configFile(t, 'greting: hi\n');
  const { code, stdout } = await run(['run', '-c', file]);
  t.equal(code, 78);
  const line = JSON.parse(stdout.trim().split('\n')[0] as string);
  t.equal(line.code, 'OUTRIGGER_E_CONFIG');
  t.same(line.issues, [{ path: 'greting', message: 'unknown key (did you mean "greeting"?)' }]);
});

t.test('unreadable config file', async (t) => {
  const { code, stdout, stderr } = await run(['check', '-c', '/nonexistent.yaml']);
  t.equal(code, 78);
  t.equal(stdout, '/nonexistent.yaml: cannot read config: ENOENT\n');
  t.match(stderr, /OUTRIGGER_E_CONFIG_READ/);
});

t.test('schema, --version, --help, usage errors', async (t) => {
  const schema = await run(['schema']);
  t.equal(schema.code, 0);
  const parsed = JSON.parse(schema.stdout);
  t.equal(parsed.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.equal(parsed.additionalProperties, false);
  t.same(Object.keys(parsed.properties).sort(), [
    'admin',
    'api_token',
    'config_watch',
    'greeting',
    'greeting_file',
    'limits',
    'listen',
    'log',
    'probes',
    'shutdown',
    'state_file',
    'upstream',
  ]);
  t.equal(parsed.properties.admin.properties.listen.default, '127.0.0.1:9899');
  t.equal(parsed.properties.probes.properties.listen.default, '0.0.0.0:9898');

  t.same(await run(['--version']), { code: 0, stdout: 'example-sidecar 0.0.1\n', stderr: '' });
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /example-sidecar check -c FILE/);

  const unknown = await run(['frobnicate']);
  t.equal(unknown.code, 64);
  t.match(unknown.stderr, /unknown command "frobnicate" \[OUTRIGGER_E_USAGE\]/);
  const noConfig = await run(['check']);
  t.equal(noConfig.code, 64);
  t.match(noConfig.stderr, /missing -c FILE/);
  const badOption = await run(['run', '--frob']);
  t.equal(badOption.code, 64);
});

t.test('OUTRIGGER_CONFIG stands in for -c', async (t) => {
  const file = await configFile(t, 'greeting: hi\n');
  const { code, stdout } = await run(['check'], { OUTRIGGER_CONFIG: file });
  t.equal(code, 0);
  t.equal(stdout, 'OK\n');
});

t.test('check: files the config names must be readable; secrets are not echoed', async (t) => {
  const file = await configFile(t, 'greeting_file: ./missing.txt\napi_token: hunter2\nupstream: "https://user:s3cret@/x"\n');
  const { code, stdout, stderr } = await run(['check', '-c', file]);
  t.equal(code, 78);
  t.same(stdout.trim().split('\n'), [
    'api_token: must be at least 16 characters, got a string of 7 characters',
    'upstream: must be an http(s) URL, got "https://[redacted]@/x"',
    `greeting_file: cannot read ${JSON.stringify(join(dirname(file), 'missing.txt'))}: no such file (ENOENT)`,
  ]);
  t.notMatch(stdout + stderr, /hunter2|s3cret/);
  await writeFile(join(dirname(file), 'missing.txt'), 'hi from a file\n');
  await writeFile(file, 'greeting_file: ./missing.txt\n');
  t.same(await run(['check', '-c', file]), { code: 0, stdout: 'OK\n', stderr: '' });
});

t.test('check: a YAML mistake names file:line:col once; a binary file says so', async (t) => {
  const file = await configFile(t, 'greeting: hi\nlimits:\n  max_work_ms: 5\n - min_work_ms: 1\n');
  const yaml = await run(['check', '-c', file]);
  t.equal(yaml.code, 78);
  t.match(yaml.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: not valid YAML: [^\n]+\n$`));
  t.match(yaml.stderr, /1 problem \[OUTRIGGER_E_CONFIG_READ\]/);
  await writeFile(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xfe]));
  const binary = await run(['check', '-c', file]);
  t.equal(binary.code, 78);
  t.equal(binary.stdout, `${file}: not a text config file (binary data)\n`);
});
