/**
 * The tailer on its own, with a host that records what it hands out: races that need a precise
 * interleaving of the file's changes with the tailer's reads.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { createParser } from '../../src/parse/index.js';
import { EventAssembler } from '../../src/source/assembler.js';
import { Tailer, type TailerHost } from '../../src/source/tailer.js';
import { tempDir } from '../fixtures/harness.js';

/** `prefix-0001\n` … (9 bytes a line for a 3-letter prefix). */
function numbered(prefix: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i <= to; i++) out += `${prefix}-${String(i).padStart(4, '0')}\n`;
  return out;
}

function recordingHost() {
  const lines: string[] = [];
  let truncations = 0;
  const host: TailerHost = {
    tryReserve: () => true,
    release: () => undefined,
    held: () => undefined,
    dispatch: (_t, _lane, d) => {
      const b = d.block;
      if (b) for (let i = 0; i < b.count; i++) lines.push(b.chunk.subarray(b.starts[i], b.ends[i]).toString());
      for (const r of d.records ?? []) lines.push(String(r.event.message));
    },
    readBytes: () => undefined,
    truncated: () => {
      truncations++;
    },
    done: () => undefined,
    warn: (_t, msg, err) => {
      throw new Error(`unexpected warning: ${msg} ${(err as Error | undefined)?.message ?? ''}`);
    },
  };
  return { host, lines, truncations: () => truncations };
}

t.test('copytruncate between the size/fingerprint check and the read: the new content is read once, from 0', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'app.log');
  writeFileSync(file, numbered('old', 1, 20));
  const { host, lines, truncations } = recordingHost();
  const tailer = await Tailer.open(
    'app',
    file,
    0,
    ['mem'],
    () => new EventAssembler(createParser({ type: 'raw' }), undefined, 1024),
    host,
    { maxLineBytes: 1024, readChunkBytes: 4096, fingerprintBytes: 16, rotateWaitMs: 1000, pollIntervalMs: 20 },
  );
  t.teardown(() => tailer.close());
  void tailer.run();
  await waitFor(() => lines.length === 20, { timeoutMs: 10_000, what: 'the first 20 lines' });
  const oldEnd = 20 * 9;

  // The stall: the next read at the old offset happens only after logrotate copied and truncated
  // the file and the application wrote past that offset again. The check before it saw the file
  // grown with its first bytes unchanged.
  const fh = tailer.fh;
  const read = fh.read.bind(fh) as (...args: unknown[]) => Promise<{ bytesRead: number; buffer: Buffer }>;
  let stalled = false;
  (fh as unknown as { read: (...args: unknown[]) => Promise<unknown> }).read = (...args: unknown[]) => {
    if (!stalled && args[3] === oldEnd) {
      stalled = true;
      writeFileSync(file, numbered('new', 1, 100)); // truncate (same inode) and write 900 bytes
    }
    return read(...args);
  };
  appendFileSync(file, numbered('old', 21, 25));
  tailer.wake();

  await waitFor(() => lines.includes('new-0001') && lines.includes('new-0100'), { timeoutMs: 10_000, what: 'the new content' });
  t.ok(stalled, 'the read at the old offset came after the truncate');
  t.same(lines.slice(0, 20), numbered('old', 1, 20).trimEnd().split('\n'), 'the old lines, once');
  t.same(lines.slice(20), numbered('new', 1, 100).trimEnd().split('\n'), 'then every new line exactly once, from the start');
  t.equal(truncations(), 1, 'one truncation noticed');
});
