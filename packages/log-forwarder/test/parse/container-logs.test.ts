/**
 * Defects 2 and 3 (issue 11), end to end through the forwarder: a Docker json-file and a
 * containerd (CRI) file, each with a record cut short by a node crash; a UTF-8 character split at
 * containerd's 16 KiB boundary; a split line whose final part never comes.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import type { SourceRecord } from '../../src/multiline/record.js';
import { createParser } from '../../src/parse/index.js';
import { EventAssembler } from '../../src/source/assembler.js';
import { LineSplitter } from '../../src/source/lines.js';
import { startForwarder, tempDir } from '../fixtures/harness.js';

async function forward(t: Parameters<typeof tempDir>[0], parser: 'cri' | 'docker', content: string | Buffer, extra = {}) {
  const dir = await tempDir(t);
  const log = path.join(dir, 'c.log');
  await writeFile(log, content);
  const fwd = await startForwarder(t, {
    state_dir: path.join(dir, 'state'),
    sources: { c: { type: 'file', include: [log], parser: { type: parser }, poll_interval_ms: 20, ...extra } },
    sinks: { mem: { type: 'memory', inputs: ['c'] } },
  });
  return { fwd, log, mem: fwd.memory.get('mem') };
}

t.test('docker json-file: a record cut short by a crash arrives raw with parse_error, the others parsed', async (t) => {
  const content = [
    '{"log":"starting\\n","stream":"stdout","time":"2026-12-01T10:00:00.000000001Z"}',
    '{"log":"half a line ","stream":"stdout","time":"2026-12-01T10:00:00.000000002Z"}',
    '{"log":"cut by the cra', // the node died here; the runtime starts a new line after restart
    '{"log":"after restart\\n","stream":"stderr","time":"2026-12-01T10:00:01.000000000Z"}',
    '{"log":"rest of it\\n","stream":"stdout","time":"2026-12-01T10:00:01.000000001Z"}',
    '',
  ].join('\n');
  const { mem } = await forward(t, 'docker', content);
  await waitFor(() => (mem?.events.length ?? 0) >= 4, { what: 'four events' });
  const bad = mem?.events.find((e) => e.parse_error !== undefined);
  t.equal(bad?.message, '{"log":"cut by the cra', 'the corrupt record arrives raw');
  t.match(String(bad?.parse_error), /^docker: /);
  t.same(
    mem?.events.filter((e) => e.parse_error === undefined).map((e) => [e.stream, e.message]),
    [
      ['stdout', 'starting'],
      ['stderr', 'after restart'],
      ['stdout', 'half a line rest of it'],
    ],
  );
});

t.test('containerd (cri): a record cut short and a stray line arrive raw with parse_error', async (t) => {
  const content = [
    '2026-12-01T10:00:00.000000001Z stdout P first part ',
    '2026-12-01T10:00:00.0000', // cut short
    'a stray line someone echoed into the file',
    '2026-12-01T10:00:00.000000002Z stdout F and the end',
    '',
  ].join('\n');
  const { mem, fwd } = await forward(t, 'cri', content);
  await waitFor(() => (mem?.events.length ?? 0) >= 3, { what: 'three events' });
  t.same(
    mem?.events.filter((e) => e.parse_error !== undefined).map((e) => e.message),
    ['2026-12-01T10:00:00.0000', 'a stray line someone echoed into the file'],
  );
  t.same(
    mem?.events.filter((e) => e.parse_error === undefined).map((e) => e.message),
    ['first part and the end'],
  );
  const text = await fwd.metrics.getSingleMetricAsString('outrigger_log_forwarder_parse_errors_total');
  t.match(text, /parse_errors_total\{source="c"\} 2/, 'both are counted');
});

t.test('cri: a UTF-8 character split at the 16 KiB boundary is joined as bytes, not two U+FFFD', async (t) => {
  // containerd cuts at 16 KiB of message bytes: the 4-byte 🚀 straddles the cut.
  const body = Buffer.from(`${'a'.repeat(16382)}🚀 after the cut`);
  const cut = 16384;
  const line = (tag: string, bytes: Buffer) =>
    Buffer.concat([Buffer.from(`2026-12-01T10:00:00.000000001Z stdout ${tag} `), bytes, Buffer.from('\n')]);
  const { mem } = await forward(t, 'cri', Buffer.concat([line('P', body.subarray(0, cut)), line('F', body.subarray(cut))]));
  await waitFor(() => (mem?.events.length ?? 0) >= 1, { what: 'the event' });
  const msg = String(mem?.events[0]?.message);
  t.notOk(msg.includes('\uFFFD'), 'no replacement character');
  t.equal(msg, body.toString('utf8'));
});

t.test('a split line whose final part never comes is emitted after partial_timeout_ms, flagged', async (t) => {
  const { mem, log } = await forward(t, 'cri', '2026-12-01T10:00:00.000000001Z stdout P written before the runtime died ', {
    partial_timeout_ms: 200,
  });
  await appendFile(log, '\n');
  await waitFor(() => (mem?.events.length ?? 0) >= 1, { what: 'the partial event' });
  t.equal(mem?.events[0]?.message, 'written before the runtime died ');
  t.equal(mem?.events[0]?.partial, true);
});

t.test('the reassembly buffer is bounded in bytes (not characters) and counted as held', async (t) => {
  const parser = createParser({ type: 'cri' });
  const asm = new EventAssembler(parser, undefined, 64, 1000);
  const split = new LineSplitter(1024);
  const out: SourceRecord[] = [];
  const text = `${['é'.repeat(20), 'é'.repeat(20), 'é'.repeat(20)].map((m) => `T stdout P ${m}`).join('\n')}\nT stdout F .\n`;
  const chunk = Buffer.from(text);
  const parts = split.split(chunk, 0, false);
  // only the first three lines: the final part comes later
  const three = { ...parts.block, count: 3 };
  asm.push(three, '/f', 'now', 0, out);
  t.equal(out.length, 0);
  t.ok(asm.heldBytes > 120, `the held parts are counted (${asm.heldBytes} bytes)`);
  asm.flushDue(2000, out);
  t.equal(out.length, 1);
  t.equal(out[0]?.event.truncated, true, '60 é are 120 bytes: over 64, cut');
  t.ok(Buffer.byteLength(String(out[0]?.event.message)) <= 64);
  t.equal(asm.heldBytes, 0);
});
