/** The local sinks: file (json / raw, ack after the write), stdout, blackhole. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { BlockData, RecordData, SinkBatch } from '../../src/batch.js';
import { blackholeSink } from '../../src/sink/blackhole.js';
import { fileSink } from '../../src/sink/file.js';
import type { SinkContext } from '../../src/sink/sink.js';
import { LineSplitter } from '../../src/source/lines.js';
import { tempDir } from '../fixtures/harness.js';

function ctx(dir: string): SinkContext {
  return {
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    metricName: (s) => `outrigger_log_forwarder_${s}`,
    resolvePath: (p) => path.resolve(dir, p),
    stateDir: dir,
  };
}

function block(text: string, max = 100) {
  return new LineSplitter(max).split(Buffer.from(text), 0).block;
}

t.test('file sink: JSON lines from the raw fast path, acknowledged after the write', async (t) => {
  const dir = await tempDir(t);
  const sink = fileSink.create('out', { type: 'file', inputs: ['a'], path: 'out/events.jsonl', encoding: 'json', fsync: true }, ctx(dir));
  await sink.start();
  let acked = 0;
  const data = new BlockData(block(`one\n"quoted" \\ back\n${'y'.repeat(30)}\n`, 20), '/var/log/a.log', 'p', '2026-01-01T00:00:00.000Z');
  await sink.write(new SinkBatch(data, () => acked++));
  t.equal(acked, 1);
  const lines = (await readFile(path.join(dir, 'out/events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(lines, [
    { message: 'one', timestamp: '2026-01-01T00:00:00.000Z', file: '/var/log/a.log' },
    { message: '"quoted" \\ back', timestamp: '2026-01-01T00:00:00.000Z', file: '/var/log/a.log' },
    { message: 'y'.repeat(20), timestamp: '2026-01-01T00:00:00.000Z', file: '/var/log/a.log', truncated: true },
  ]);
  t.same(data.events(), lines, 'lazy events agree with the fast encoding');
  t.same(data.ids(), ['p:0', 'p:4', 'p:20']);
  await sink.stop(AbortSignal.timeout(1000));
});

t.test('JSON lines: plain, quoted, escaped, control, non-ASCII lines all encode like JSON.stringify', async (t) => {
  for (const text of ['plain one\nplain two\n', 'say "hi"\n', 'back\\slash\n', 'tab\there\n', 'café ☕\n', 'bell\u0007\n']) {
    const data = new BlockData(block(text), '/f', 'p', 'now');
    const want = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `${JSON.stringify({ message: l, timestamp: 'now', file: '/f' })}\n`)
      .join('');
    t.equal(data.jsonLines().toString(), want, JSON.stringify(text));
  }
});

t.test('file sink: raw encoding writes the lines exactly as read', async (t) => {
  const dir = await tempDir(t);
  const sink = fileSink.create('out', { type: 'file', inputs: ['a'], path: 'raw.log', encoding: 'raw', fsync: false }, ctx(dir));
  await sink.start();
  const rec = {
    event: { message: 'x\ny', timestamp: 't', file: 'f' },
    start: 0,
    end: 4,
    lines: [Buffer.from('x'), Buffer.from('y')],
    bytes: 3,
  };
  await sink.write(new SinkBatch(new BlockData(block('a\nb\n'), 'f', 'p', 't'), () => {}));
  await sink.write(new SinkBatch(new RecordData([rec], 'p'), () => {}));
  t.equal(await readFile(path.join(dir, 'raw.log'), 'utf8'), 'a\nb\nx\ny\n');
  await sink.stop(AbortSignal.timeout(1000));
});

t.test('file sink: a write that fails is not acknowledged and health says why', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'not-a-dir'), 'x'); // a path component that is a file: fails even as root
  const sink = fileSink.create('out', { type: 'file', inputs: ['a'], path: 'not-a-dir/out.log', encoding: 'json', fsync: false }, ctx(dir));
  await sink.start();
  t.notOk(sink.health().healthy);
  t.match(sink.health().reason, /not-a-dir/);
  let acked = false;
  await t.rejects(sink.write(new SinkBatch(new BlockData(block('a\n'), 'f', 'p', 't'), () => (acked = true))));
  t.notOk(acked);
});

t.test('blackhole acknowledges and counts', async (t) => {
  const sink = blackholeSink.create('bh', { type: 'blackhole', inputs: ['a'] }, ctx('/tmp'));
  let acked = 0;
  await sink.write(new SinkBatch(new BlockData(block('a\nb\n'), 'f', 'p', 't'), () => acked++));
  t.equal(acked, 1);
  t.same(sink.status(), { type: 'blackhole', events: 2, batches: 1 });
});
