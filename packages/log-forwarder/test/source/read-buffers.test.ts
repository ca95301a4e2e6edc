import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@outrigger/runtime/testing';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import type { EventBatch, Sink, SinkFactory } from '../../src/sink/sink.js';
import { isReadBuffer, ReadBuffers } from '../../src/source/read-buffers.js';
import { SpareBuffer } from '../../src/spare-buffer.js';
import { MemorySink, numbered, startForwarder, tempDir } from '../fixtures/harness.js';

t.test('a buffer given back is read into again; foreign, repeated and surplus ones are not kept', async (t) => {
  const rb = new ReadBuffers(8 * 4096);
  const a = rb.take(8192);
  t.equal(a.length, 8192);
  t.ok(isReadBuffer(a));
  rb.give(a.subarray(0, 100)); // a view of it comes back (a short read's chunk)
  rb.give(a); // the same buffer twice: kept once
  t.equal(rb.spares, 1);
  const b = rb.take(8192);
  t.equal(b.buffer, a.buffer, 'the spare is handed out again');
  t.equal(rb.reused, 1);
  t.not(rb.take(8192).buffer, a.buffer, 'and only to one reader');
  rb.give(Buffer.alloc(8192)); // never taken here
  t.equal(rb.spares, 0);
  t.not(rb.take(4096).length, 8192, 'spares are by size');
  const many = Array.from({ length: 20 }, () => rb.take(4096));
  for (const m of many) rb.give(m);
  t.equal(rb.spares, 8, 'spares bounded by maxBytes');
});

t.test('a trim drops the spares no read needed since the trim before', async (t) => {
  const rb = new ReadBuffers(1 << 20);
  const bufs = Array.from({ length: 6 }, () => rb.take(4096));
  for (const b of bufs) rb.give(b);
  rb.trim(); // marks: 6 spares
  rb.give(rb.take(4096)); // one in use at a time: 5 were never needed
  rb.give(rb.take(4096));
  rb.trim();
  t.equal(rb.spares, 1);
  rb.trim(); // none taken since
  t.equal(rb.spares, 0, 'an idle forwarder keeps none');
});

t.test('an encoder never keeps a read buffer as its spare (it goes back to the tailers)', async (t) => {
  const rb = new ReadBuffers(1 << 20);
  const spare = new SpareBuffer();
  // Larger than Buffer.poolSize (64 KiB on Node 24): smaller buffers are never spares anyway.
  const raw = rb.take(262144);
  spare.done(spare.lend(raw));
  t.equal(spare.take(), undefined);
  const own = Buffer.allocUnsafeSlow(262144);
  spare.done(spare.lend(own));
  t.equal(spare.take()?.buffer, own.buffer);
});

/** Checks each batch's bytes stay as they were while it is queued, written, failed and retried. */
class CheckingSink extends MemorySink {
  readonly lines: string[] = [];
  changed = 0;
  writes = 0;
  readonly failed = new WeakSet<EventBatch>();
  override async write(batch: EventBatch): Promise<void> {
    const first = Buffer.from(batch.raw());
    await sleep(1);
    if (this.writes++ % 25 === 3 && !this.failed.has(batch)) {
      this.failed.add(batch);
      throw new Error('refused once');
    }
    const now = batch.raw();
    if (!now.equals(first)) this.changed++;
    for (const l of now.toString('latin1').split('\n')) if (l !== '') this.lines.push(l);
    batch.ack();
  }
}

t.test('read buffers come back from acknowledged batches only: queued and retried lines stay intact', async (t) => {
  const dir = await tempDir(t);
  const log = path.join(dir, 'app.log');
  const count = 20_000;
  await writeFile(log, numbered('r', 1, count, ' padding to a line of some length'));
  const instances = new Map<string, MemorySink>();
  const factory: SinkFactory & { instances: Map<string, MemorySink> } = {
    type: 'memory',
    schema: Type.Object({ type: Type.Literal('memory'), inputs: Type.Array(Type.String()) }),
    instances,
    create(name): Sink {
      const s = new CheckingSink(name);
      instances.set(name, s);
      return s;
    },
  };
  // Small reads and a small cap: many full reads, each buffer reused many times, while up to 16
  // batches wait in the sink's queue.
  const fwd = await startForwarder(
    t,
    {
      state_dir: path.join(dir, 'state'),
      max_in_flight_bytes: 65536,
      sources: { app: { type: 'file', include: [log], poll_interval_ms: 20, read_chunk_bytes: 4096, max_line_bytes: 1024 } },
      sinks: { mem: { type: 'memory', inputs: ['app'] } },
    },
    { memory: factory },
  );
  const sink = instances.get('mem') as CheckingSink;
  await waitFor(() => sink.lines.length >= count, { timeoutMs: 60_000, what: 'every line' });
  t.equal(sink.changed, 0, 'no batch changed under its sink');
  t.same(sink.lines, numbered('r', 1, count, ' padding to a line of some length').trimEnd().split('\n'));
  t.ok(fwd.pipeline.readBuffers.reused > 100, `buffers were reused (${fwd.pipeline.readBuffers.reused} reads)`);
  await fwd.shutdown();
});
