/**
 * Line handling through the whole pipeline: acceptance 10 (a 10 MB line), a last line without
 * newline, invalid UTF-8.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { startForwarder, tempDir } from './fixtures/harness.js';

const fast = { poll_interval_ms: 20, rescan_interval_ms: 100, rotate_wait_ms: 100 };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  const config = {
    state_dir: path.join(dir, 'state'),
    sources: { app: { type: 'file', include: [path.join(dir, 'logs', '*.log')], ...fast } },
    sinks: { mem: { type: 'memory', inputs: ['app'] } },
  };
  return { dir, log: path.join(dir, 'logs', 'app.log'), config };
}

t.test('10. a 10 MB line → truncated and flagged, later lines flow, no re-read after restart', async (t) => {
  const { dir, log, config } = await setup(t);
  const huge = 'x'.repeat(10 * 1024 * 1024);
  await writeFile(log, `before\n${huge}\nafter-1\n`);
  const first = await startForwarder(t, config);
  const mem = first.memory.get('mem');
  await waitFor(() => (mem?.events.length ?? 0) >= 3, { what: '3 events' });
  await appendFile(log, 'after-2\n');
  await waitFor(() => (mem?.events.length ?? 0) >= 4, { what: 'a later line' });
  const [a, b, c, d] = mem?.events ?? [];
  t.equal(a?.message, 'before');
  t.equal(b?.message.length, 65536, 'cut at max_line_bytes');
  t.equal(b?.truncated, true);
  t.equal(c?.message, 'after-1');
  t.equal(d?.message, 'after-2');
  t.notOk(a?.truncated);
  await first.shutdown();
  const cp = JSON.parse(await readFile(path.join(dir, 'state', 'checkpoints.json'), 'utf8')) as { files: { offset: number }[] };
  t.equal(cp.files[0]?.offset, 7 + huge.length + 1 + 8 + 8, 'the checkpoint moved past the long line');
  const metrics = await first.metrics.getSingleMetricAsString('outrigger_log_forwarder_truncated_lines_total');
  t.match(metrics, /truncated_lines_total\{source="app"\} 1/);

  const second = await startForwarder(t, config);
  await appendFile(log, 'after-3\n');
  const mem2 = second.memory.get('mem');
  await waitFor(() => (mem2?.events.length ?? 0) >= 1, { what: 'new line after restart' });
  t.same(mem2?.messages(), ['after-3'], 'nothing read again');
});

t.test('a last line without newline waits for it, and is emitted when its file is rotated away', async (t) => {
  const { log, config } = await setup(t);
  await writeFile(log, 'one\ntw');
  const fwd = await startForwarder(t, config);
  const mem = fwd.memory.get('mem');
  await waitFor(() => mem?.events.length === 1, { what: 'first line' });
  await appendFile(log, 'o\nthr');
  await waitFor(() => mem?.events.length === 2, { what: 'second line, once complete' });
  t.same(mem?.messages(), ['one', 'two']);
  const { rename } = await import('node:fs/promises');
  await rename(log, `${log}.1`);
  await waitFor(() => mem?.events.length === 3, { what: 'partial last line at rotation' });
  t.same(mem?.messages(), ['one', 'two', 'thr']);
});

t.test('invalid UTF-8 does not crash anything', async (t) => {
  const { log, config } = await setup(t);
  await writeFile(log, Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xc3, 0x28, 0xff, 0x0a]), Buffer.from('fine\n')]));
  const fwd = await startForwarder(t, { ...config, sources: { app: { ...config.sources.app, parser: { type: 'json' } } } });
  const mem = fwd.memory.get('mem');
  await waitFor(() => mem?.events.length === 3, { what: '3 events' });
  t.equal(mem?.events[1]?.message, '\ufffd(\ufffd');
  t.match(mem?.events[1]?.parse_error, /^json:/);
});
