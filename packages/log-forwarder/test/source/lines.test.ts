import t from 'tap';
import { LineOffsets, LineSplitter, lineOffset } from '../../src/source/lines.js';

function texts(r: ReturnType<LineSplitter['split']>): string[] {
  const b = r.block;
  return Array.from({ length: b.count }, (_, i) => b.chunk.toString('utf8', b.starts[i], b.ends[i]));
}

t.test('splits complete lines and leaves a trailing partial line unconsumed', async (t) => {
  const s = new LineSplitter(100);
  const r = s.split(Buffer.from('one\ntwo\nthr'), 1000);
  t.same(texts(r), ['one', 'two']);
  t.equal(r.consumedTo, 1008);
  t.same(r.block.nexts, [1004, 1008]);
  t.equal(lineOffset(r.block, 1), 1004);
  t.ok(r.block.contiguous);
});

t.test('a last line without newline is emitted only when final (rotated away)', async (t) => {
  const s = new LineSplitter(100);
  t.same(texts(s.split(Buffer.from('tail'), 0)), []);
  const r = s.split(Buffer.from('tail'), 0, true);
  t.same(texts(r), ['tail']);
  t.equal(r.consumedTo, 4);
});

t.test('CRLF line endings are stripped', async (t) => {
  const r = new LineSplitter(100).split(Buffer.from('a\r\nb\n'), 0);
  t.same(texts(r), ['a', 'b']);
  t.notOk(r.block.contiguous);
});

t.test('a line over max_line_bytes is cut, flagged, the rest skipped, later lines flow', async (t) => {
  const s = new LineSplitter(10);
  const r = s.split(Buffer.from(`short\n${'x'.repeat(25)}\nafter\n`), 0);
  t.same(texts(r), ['short', 'x'.repeat(10), 'after']);
  t.same(r.block.truncated, [1]);
  t.equal(r.skippedBytes, 15);
  t.equal(r.consumedTo, 6 + 26 + 6);
});

t.test('an over-long line spanning reads: head emitted once, rest skipped up to its newline', async (t) => {
  const s = new LineSplitter(10);
  const r1 = s.split(Buffer.from('y'.repeat(30)), 0);
  t.same(texts(r1), ['y'.repeat(10)]);
  t.same(r1.block.truncated, [0]);
  t.equal(r1.consumedTo, 30);
  t.ok(s.skipping);
  const r2 = s.split(Buffer.from('y'.repeat(50)), 30);
  t.same(texts(r2), []);
  t.equal(r2.consumedTo, 80);
  const r3 = s.split(Buffer.from('yyy\nnext\n'), 80);
  t.same(texts(r3), ['next']);
  t.equal(r3.consumedTo, 89);
  t.notOk(s.skipping);
});

t.test('cutting never splits a UTF-8 sequence; invalid UTF-8 does not throw', async (t) => {
  const s = new LineSplitter(5);
  const r = s.split(Buffer.from('aaaé€zzzz\n'), 0); // é is 2 bytes at 3..4, € 3 bytes at 5..7
  const line = texts(r)[0] ?? '';
  t.equal(line, 'aaaé');
  const bad = new LineSplitter(100).split(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]), 0);
  t.equal(texts(bad)[0], 'a\ufffd\ufffdb');
});

t.test('line of exactly max bytes waits for its newline, is not truncated', async (t) => {
  const s = new LineSplitter(5);
  t.same(texts(s.split(Buffer.from('12345'), 0)), []);
  const r = s.split(Buffer.from('12345\n'), 0);
  t.same(texts(r), ['12345']);
  t.same(r.block.truncated, []);
});

t.test("with the chunk's own offsets the block points into them, grown as needed and reused", async (t) => {
  const s = new LineSplitter(1024);
  const offsets = new LineOffsets();
  const many = Buffer.from('x\n'.repeat(3000));
  const r = s.split(many, 0, false, offsets);
  t.equal(r.block.count, 3000);
  t.equal(r.block.starts, offsets.starts, 'no array of its own');
  t.ok(offsets.starts.length >= 3000, 'grown past its first 1024 lines');
  t.equal(lineOffset(r.block, 2999), 5998);
  t.equal(r.block.nexts[2999], 6000);
  const again = s.split(Buffer.from('ab\ncd\n'), 100, false, offsets);
  t.same(texts(again), ['ab', 'cd']);
  t.equal(again.block.starts, offsets.starts);
  const own = s.split(Buffer.from('ef\n'), 0);
  t.not(own.block.starts, offsets.starts, 'without offsets: arrays of its own');
  t.same(texts(own), ['ef']);
});
