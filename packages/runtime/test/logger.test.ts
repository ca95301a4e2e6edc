import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { createLogger } from '../src/logger.js';
import { waitFor } from '../src/testing.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON log lines, read field by field.
type Line = Record<string, any>;

function capture() {
  const lines: Line[] = [];
  const { logger } = createLogger('test', 'trace', { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

t.test('secrets are redacted at any depth, whatever the case of the key', async (t) => {
  const { logger, lines } = capture();
  const headers = {
    Authorization: 'Bearer a1',
    'proxy-authorization': 'Basic b2',
    Cookie: 'c3',
    'Set-Cookie': ['d4'],
    'X-API-Key': 'e5',
    accept: '*/*',
  };
  const input = {
    AUTHORIZATION: 'f6',
    req: { headers, url: '/x' },
    deep: { a: { b: { c: { d: { e: { password: 'g7', keep: 1 } } } } } },
    list: [{ token: 'h8' }, { client_secret: 'i9', name: 'ok' }],
    upstream: 'https://user:j10@host:8080/p?q=1',
    url: new URL('https://k11:l12@host/'),
    private_key: { pem: 'm13' },
    token_file: '/var/run/secrets/token',
    passwd: 14,
  };
  const before = JSON.stringify(input);
  logger.info(input, 'request');
  t.equal(JSON.stringify(input), before, 'the logged object is not changed');
  const line = lines[0] as Line;
  t.equal(line.AUTHORIZATION, '[redacted]');
  t.same(line.req, {
    headers: {
      Authorization: '[redacted]',
      'proxy-authorization': '[redacted]',
      Cookie: '[redacted]',
      'Set-Cookie': '[redacted]',
      'X-API-Key': '[redacted]',
      accept: '*/*',
    },
    url: '/x',
  });
  t.same(line.deep.a.b.c.d.e, { password: '[redacted]', keep: 1 });
  t.same(line.list, [{ token: '[redacted]' }, { client_secret: '[redacted]', name: 'ok' }]);
  t.equal(line.upstream, 'https://[redacted]@host:8080/p?q=1', 'credentials in a URL string');
  t.equal(line.url, 'https://[redacted]@host/', 'credentials in a URL object');
  t.equal(line.private_key, '[redacted]');
  t.equal(line.token_file, '/var/run/secrets/token', 'where a secret is kept is not a secret');
  t.equal(line.passwd, '[redacted]');
  for (let i = 1; i <= 14; i++) {
    const secret = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7', 'h8', 'i9', 'j10', 'k11', 'l12', 'm13'][i - 1];
    if (secret) t.notOk(JSON.stringify(line).includes(secret), `${secret} not logged`);
  }
});

t.test('errors keep type, message, stack and cause; their secret fields do not', async (t) => {
  const { logger, lines } = capture();
  const cause = Object.assign(new Error('inner'), { headers: { authorization: 'Bearer zz' } });
  const err = Object.assign(new TypeError('request failed', { cause }), {
    config: { headers: { Authorization: 'Bearer yy' } },
    status: 401,
  });
  logger.error({ err }, 'failed');
  logger.error(err);
  for (const line of lines) {
    t.match(line.err, { type: 'TypeError', message: /request failed/, stack: /TypeError: request failed\n\s+at /, status: 401 });
    t.equal(line.err.config.headers.Authorization, '[redacted]');
    t.notMatch(JSON.stringify(line), /Bearer (yy|zz)/);
  }
  t.equal(err.config.headers.Authorization, 'Bearer yy', 'the error itself is untouched');
});

t.test('child bindings are redacted too; cycles and depth are bounded', async (t) => {
  const { logger, lines } = capture();
  logger.child({ route: 'r', headers: { 'x-api-key': 'k' } }).info('hi');
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  logger.info({ cyclic }, 'cycle');
  t.same(lines[0]?.headers, { 'x-api-key': '[redacted]' });
  t.equal(lines[1]?.cyclic.name, 'loop');
  t.match(JSON.stringify(lines[1]), /\[too deep\]/);
});

const flood = fileURLToPath(new URL('./fixtures/log-flood.js', import.meta.url));

function spawnFlood(
  t: Test,
  args: string[],
  stdout: number | 'pipe' = 'pipe',
): { child: ChildProcess; exited: Promise<number | null>; report: () => Promise<Report> } {
  const child = spawn(process.execPath, ['--expose-gc', flood, ...args], { stdio: ['pipe', stdout, 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const reports: Report[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => reports.push(JSON.parse(l) as Report));
  return { child, exited, report: () => waitFor(() => reports[0], { what: 'the flood report', timeoutMs: 30_000 }) };
}

interface Report {
  sent: number;
  dropped: number;
  heap_used: number;
}

function readLines(child: ChildProcess): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => lines.push(JSON.parse(l)));
  return lines;
}

t.test('a clean exit flushes what is buffered', async (t) => {
  const { child, exited, report } = spawnFlood(t, ['burst', '5000']);
  const lines = readLines(child);
  t.same(await report(), { sent: 5000, dropped: 0, heap_used: (await report()).heap_used });
  child.stdin?.write('exit\n');
  t.equal(await exited, 0);
  await waitFor(() => lines.some((l) => l.msg === 'last'), { what: 'the last line' });
  const seen = new Set(lines.filter((l) => l.msg === 'line').map((l) => l.n));
  t.equal(seen.size, 5000, 'every line arrived');
});

t.test('stdout nobody reads: lines beyond the bound are dropped and counted, the heap stays small', async (t) => {
  const sent = 250_000; // ~65 MB of log lines
  const bound = 256 * 1024;
  const { child, exited, report } = spawnFlood(t, ['flood', String(sent), String(bound)]);
  child.stdout?.pause();
  const r = await report();
  t.equal(r.sent, sent);
  t.ok(r.dropped > sent * 0.9, `most lines dropped (${r.dropped} of ${sent})`);
  t.ok(r.heap_used < 32 * 1024 * 1024, `heap stays small: ${Math.round(r.heap_used / 1024 / 1024)} MB after logging 65 MB`);
  // Reading again: every line not dropped arrives, and one warning (or a few) says how many were.
  const lines = readLines(child);
  child.stdout?.resume();
  const count = () => {
    const delivered = lines.filter((l) => l.msg === 'line').length;
    const reported = lines.filter((l) => l.code === 'OUTRIGGER_E_LOG_DROPPED').reduce((n, l) => n + (l.dropped_lines as number), 0);
    return { delivered, reported };
  };
  await waitFor(() => count().delivered === sent - r.dropped && count().reported === r.dropped, {
    what: `${sent - r.dropped} lines and the drop warning`,
    timeoutMs: 30_000,
  });
  t.same(count(), { delivered: sent - r.dropped, reported: r.dropped });
  child.stdin?.write('exit\n');
  t.equal(await exited, 0);
});

for (const kind of ['socket', 'fifo'] as const) {
  t.test(`exit does not hang on a stdout nobody reads (${kind})`, async (t) => {
    let stdout: number | 'pipe' = 'pipe';
    if (kind === 'fifo') {
      // What container runtimes give a container: a pipe, here a named one the test never reads.
      const dir = await mkdtemp(join(tmpdir(), 'outrigger-log-'));
      t.teardown(() => rm(dir, { recursive: true, force: true }));
      const fifo = join(dir, 'stdout');
      execFileSync('mkfifo', [fifo]);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      stdout = openSync(fifo, constants.O_WRONLY);
      t.teardown(() => closeSync(reader));
    }
    const { child, exited, report } = spawnFlood(t, ['flood', '20000', String(64 * 1024), '0'], stdout);
    if (typeof stdout === 'number') closeSync(stdout);
    child.stdout?.pause();
    t.ok((await report()).dropped > 0, 'stdout is stalled');
    child.stdin?.write('exit\n');
    t.equal(await Promise.race([exited, deadline(15_000, 'hung')]), 0);
  });
}

/** Resolves with `value` after `ms`, without keeping the process alive. */
function deadline<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}
