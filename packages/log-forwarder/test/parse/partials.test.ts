import t from 'tap';
import type { SourceRecord } from '../../src/multiline/record.js';
import { createParser } from '../../src/parse/index.js';
import { Partials } from '../../src/parse/partials.js';

function feed(type: 'cri' | 'docker', lines: string[], max = 1000) {
  const parser = createParser({ type });
  const p = new Partials(max);
  const out: SourceRecord[] = [];
  let off = 0;
  for (const line of lines) {
    const r = parser.parse(line, '/f', 'now');
    const rec: SourceRecord = { event: r.event, start: off, end: off + line.length + 1, lines: [Buffer.from(line)], bytes: line.length };
    off += line.length + 1;
    p.push(rec, r.stream ?? '', r.partial ?? false, out);
  }
  return { out, p };
}

t.test('cri: P,P,F for stdout and stderr interleaved → one message per stream', async (t) => {
  const { out, p } = feed('cri', [
    '2024-01-01T00:00:00.1Z stdout P out-1 ',
    '2024-01-01T00:00:00.2Z stderr P err-1 ',
    '2024-01-01T00:00:00.3Z stdout P out-2 ',
    '2024-01-01T00:00:00.4Z stderr P err-2 ',
    '2024-01-01T00:00:00.5Z stderr F err-3',
    '2024-01-01T00:00:00.6Z stdout F out-3',
  ]);
  t.same(
    out.map((r) => [r.event.stream, r.event.message, r.event.timestamp]),
    [
      ['stderr', 'err-1 err-2 err-3', '2024-01-01T00:00:00.2Z'],
      ['stdout', 'out-1 out-2 out-3', '2024-01-01T00:00:00.1Z'],
    ],
  );
  t.equal(out[1]?.start, 0, 'the stdout event starts at its first part');
  t.equal(out[1]?.lines.length, 3);
  t.equal(p.pendingFrom(), undefined);
});

t.test('an unfinished part holds back the checkpoint (pendingFrom) and is flushed on demand', async (t) => {
  const { out, p } = feed('cri', ['2024-01-01T00:00:00Z stdout F whole', '2024-01-01T00:00:01Z stdout P half']);
  t.equal(out.length, 1);
  t.equal(p.pendingFrom(), 36);
  const rest: SourceRecord[] = [];
  p.flush(rest);
  t.equal(rest[0]?.event.message, 'half');
});

t.test('docker: parts without trailing newline are joined per stream', async (t) => {
  const { out } = feed('docker', [
    '{"log":"aaa","stream":"stdout","time":"t1"}',
    '{"log":"x\\n","stream":"stderr","time":"t2"}',
    '{"log":"bbb\\n","stream":"stdout","time":"t3"}',
  ]);
  t.same(
    out.map((r) => r.event.message),
    ['x', 'aaabbb'],
  );
});

t.test('a joined message longer than the cap keeps its head and is flagged', async (t) => {
  const { out } = feed('cri', ['T stdout P 0123456789', 'T stdout P abcdefghij', 'T stdout F end'], 15);
  t.equal(out[0]?.event.message, '0123456789');
  t.equal(out[0]?.event.truncated, true);
});
