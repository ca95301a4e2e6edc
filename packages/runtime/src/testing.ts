/**
 * Test helpers for sidecars run as real child processes (`@outrigger/runtime/testing`).
 * Not used by production code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export { ConfigMapVolume } from './testing/config-map-volume.js';
export { freePort } from './testing/free-port.js';
export { type PodNetwork, podNetwork } from './testing/pod-network.js';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the error at the deadline. */
  what?: string;
}

/** Polls `fn` until it returns a truthy value (resolved with it) or throws at the deadline. */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface LogLine {
  level?: string;
  msg?: string;
  [key: string]: unknown;
}

export interface SpawnOptions {
  /** Path of the sidecar's compiled main.js. */
  bin: string;
  /** The config as an object (written to a temp YAML file) or the path of a config file. */
  config: Record<string, unknown> | string;
  env?: Record<string, string>;
  /** Arguments instead of `run -c <config>`; `{config}` is replaced by the config path. */
  args?: string[];
  /** Wait for the admin server's address (default true when admin is enabled). */
  waitForAdmin?: boolean;
  /** A command prefix to run the sidecar under, e.g. a `PodNetwork`'s `enter`. */
  prefix?: readonly string[];
  /** Node.js options before the bin, e.g. the sidecar's `outrigger.nodeFlags`. */
  nodeArgs?: readonly string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedSidecar {
  child: ChildProcess;
  pid: number;
  configPath: string;
  /** `http://127.0.0.1:PORT` of the admin server. */
  adminUrl: string;
  /** `http://HOST:PORT` of the probe listener ('' when it is off or not waited for). */
  probeUrl: string;
  logs(): LogLine[];
  /** Non-JSON output (stderr, usage text). */
  text(): string;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The bound address of a data listener, from its `listening` log line. */
  listenerAddress(listener: string, timeoutMs?: number): Promise<string>;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves with how the process exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  exited: Promise<Exit>;
}

// A test process that dies (a failed assertion, tap's timeout) must not leave sidecars running
// or their temp dirs behind.
const live = new Map<ChildProcess, string | undefined>();
function reapAll(): void {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}
process.once('exit', reapAll);
// tap ends a test file that overruns its timeout with SIGTERM, which skips 'exit' handlers.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    reapAll();
    process.kill(process.pid, signal);
  });
}

export async function spawnSidecar(options: SpawnOptions): Promise<SpawnedSidecar> {
  let configPath: string;
  let tempDir: string | undefined;
  if (typeof options.config === 'string') {
    configPath = options.config;
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'outrigger-test-'));
    configPath = join(tempDir, 'config.yaml');
    // Port 0 everywhere: tests run in parallel and must not fight over the default ports.
    const config = { admin: { listen: '127.0.0.1:0' }, probes: { listen: '127.0.0.1:0' }, ...options.config };
    await writeFile(configPath, stringify(config));
  }
  const args = (options.args ?? ['run', '-c', '{config}']).map((a) => (a === '{config}' ? configPath : a));
  const command = [...(options.prefix ?? []), process.execPath, '--enable-source-maps', ...(options.nodeArgs ?? []), options.bin, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { ...process.env, LOG_LEVEL: process.env.OUTRIGGER_TEST_LOG_LEVEL ?? 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let text = '';
  let pending = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        text += `${line}\n`;
      }
      nl = pending.indexOf('\n');
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    notify();
  });
  live.set(child, tempDir);
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      // Before the waiters are told: a waiter for a line that never came must see the exit.
      done = true;
      notify();
      resolve({ code, signal });
    });
  });
  void exited.then(async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (done) {
          cleanup();
          reject(new Error(`process exited before the expected log line; output:\n${text}${JSON.stringify(lines.slice(-20), null, 1)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for a log line; output:\n${text}${JSON.stringify(lines.slice(-20), null, 1)}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listenerAddress = async (listener: string, timeoutMs?: number) => {
    const line = await waitForLog((l) => l.msg === 'listening' && l.listener === listener, timeoutMs);
    return String(line.address);
  };

  // A deadline for failures only: a loaded CI machine can take seconds to start a process.
  const startTimeoutMs = 30_000;
  let adminUrl = '';
  const adminWanted =
    options.waitForAdmin ?? !(typeof options.config === 'object' && (options.config.admin as { enabled?: boolean })?.enabled === false);
  if (adminWanted && !options.args) adminUrl = `http://${await listenerAddress('admin', startTimeoutMs)}`;
  let probeUrl = '';
  // `waitForAdmin: false` is for processes expected to exit at once: they bind no probes either.
  const probesWanted = typeof options.config === 'object' && (options.config.probes as { listen?: string } | undefined)?.listen !== '';
  if (adminWanted && probesWanted && !options.args) probeUrl = `http://${await listenerAddress('probes', startTimeoutMs)}`;

  return {
    child,
    pid: child.pid as number,
    configPath,
    adminUrl,
    probeUrl,
    logs: () => lines,
    text: () => text,
    waitForLog,
    listenerAddress,
    waitReady: async (timeoutMs = 10_000) => {
      await waitFor(async () => (await fetch(`${adminUrl}/readyz`)).status === 200, { timeoutMs, what: '/readyz' });
    },
    stop: async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000) => {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    exited,
  };
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: MetricSample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelPair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
const familySuffixes: Record<string, string[]> = {
  counter: ['_total', ''],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
  untyped: [''],
};

function parseValue(text: string, line: number): number {
  // Prometheus reads values with Go's ParseFloat: Inf and NaN in any letter case.
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad sample value ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * Parses Prometheus text exposition format 0.0.4 strictly: every sample must belong to a family
 * declared by `# TYPE` with a matching suffix, labels must be well formed, histograms must have a
 * `+Inf` bucket equal to their count. Throws on the first violation (with its line number).
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m as unknown as [string, string, string, string?];
      if (!metricName.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!(rest in familySuffixes)) throw new Error(`line ${line}: unknown type ${rest}`);
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        family.type = rest;
      } else {
        family.help = rest;
      }
      families.set(name, family);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${JSON.stringify(raw)}`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    if (labelText) {
      const inner = labelText.slice(1, -1);
      labelPair.lastIndex = 0;
      while (labelPair.lastIndex < inner.length) {
        const start = labelPair.lastIndex;
        const lm = labelPair.exec(inner);
        if (!lm || lm.index !== start) throw new Error(`line ${line}: bad labels ${labelText}`);
        const key = lm[1] as string;
        if (key in labels) throw new Error(`line ${line}: duplicate label ${key}`);
        labels[key] = (lm[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
        if (lm[3] === '') break;
      }
    }
    const family = [...families.values()].find((f) => (familySuffixes[f.type] ?? ['']).some((suffix) => `${f.name}${suffix}` === name));
    if (!family) throw new Error(`line ${line}: sample ${name} has no # TYPE`);
    family.samples.push({ name, labels, value: parseValue(valueText, line) });
  });
  for (const family of families.values()) {
    if (family.type !== 'histogram') continue;
    const groups = new Map<string, { inf?: number; count?: number }>();
    for (const s of family.samples) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      const g = groups.get(key) ?? {};
      if (s.name.endsWith('_bucket') && le === '+Inf') g.inf = s.value;
      if (s.name.endsWith('_count')) g.count = s.value;
      groups.set(key, g);
    }
    for (const [key, g] of groups) {
      if (g.inf !== g.count) throw new Error(`histogram ${family.name}${key}: +Inf bucket ${g.inf} != count ${g.count}`);
    }
  }
  return families;
}

export { makePki, type TestCert, type TestPki } from './testing/pki.js';
