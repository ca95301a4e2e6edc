/** Helpers for the end-to-end tests of the remote sinks: the real binary, files, metrics. */
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../../src/main.js', import.meta.url));

export async function workDir(t: { teardown(fn: () => unknown): void }): Promise<{ dir: string; logs: string; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-remote-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const logs = join(dir, 'logs');
  await mkdir(logs);
  return { dir, logs, state: join(dir, 'state') };
}

/** `count` lines `<prefix>-<n>` (n from `from`), padded to about `width` bytes. */
export function lines(prefix: string, from: number, count: number, width = 100): string {
  let out = '';
  for (let i = from; i < from + count; i++) {
    const head = `${prefix}-${String(i).padStart(8, '0')} `;
    out += `${head}${'x'.repeat(Math.max(0, width - head.length - 1))}\n`;
  }
  return out;
}

export async function writeLines(file: string, prefix: string, from: number, count: number, width = 100): Promise<void> {
  const chunk = 10_000;
  for (let i = 0; i < count; i += chunk) await appendFile(file, lines(prefix, from + i, Math.min(chunk, count - i), width));
}

/**
 * One metric sample from the forwarder's /metrics (0 when absent). A plain line scan: prom-client
 * prints `Nan` for some default Node metrics early on, which a strict parser refuses.
 */
export async function scrape(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[k as string] = v as string;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** The prefix of a line's message (`app-00000042`). */
export function key(message: string): string {
  return message.slice(0, message.indexOf(' '));
}
