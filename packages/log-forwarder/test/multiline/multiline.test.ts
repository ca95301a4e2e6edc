import t from 'tap';
import { Multiline, type MultilineOptions } from '../../src/multiline/multiline.js';
import type { SourceRecord } from '../../src/multiline/record.js';

const base = { timeout_ms: 1000, max_lines: 5000, max_bytes: 1 << 20 };

function run(opts: Partial<MultilineOptions>, lines: string[], step = 0) {
  const ml = new Multiline({ ...base, ...opts });
  const out: SourceRecord[] = [];
  let off = 0;
  let now = 0;
  for (const line of lines) {
    const rec: SourceRecord = {
      event: { message: line, timestamp: 't', file: 'f' },
      start: off,
      end: off + line.length + 1,
      lines: [Buffer.from(line)],
      bytes: line.length,
    };
    off = rec.end;
    now += step;
    ml.flushDue(now, out);
    ml.push(rec, now, out);
  }
  return { ml, out, now };
}

function javaTrace(frames: number): string[] {
  const lines = ['Exception in thread "main" java.lang.IllegalStateException: boom'];
  for (let i = 0; i < frames; i++) lines.push(`\tat com.example.Service.method${i}(Service.java:${i + 1})`);
  lines.push('Caused by: java.io.IOException: disk gone', '\tat com.example.Io.read(Io.java:7)', '\t... 42 more');
  return lines;
}

t.test('start_pattern: a matching line starts an event, others are appended', async (t) => {
  const { ml, out } = run({ start_pattern: '^\\d{4}-' }, ['2024-01 a', '  detail', '2024-02 b', 'more', 'more2', '2024-03 c']);
  t.same(
    out.map((r) => r.event.message),
    ['2024-01 a\n  detail', '2024-02 b\nmore\nmore2'],
  );
  t.equal(ml.pendingFrom(), out[1]?.end, 'the third event is held back');
  const rest: SourceRecord[] = [];
  ml.flush(rest);
  t.equal(rest[0]?.event.message, '2024-03 c');
});

t.test('continuation_pattern: matching lines join the event before them', async (t) => {
  const { out } = run({ continuation_pattern: '^\\s' }, ['a', ' a1', ' a2', 'b', 'c', ' c1', 'd']);
  t.same(
    out.map((r) => r.event.message),
    ['a\n a1\n a2', 'b', 'c\n c1'],
  );
});

t.test('java preset: a 2,000-line trace is one event', async (t) => {
  const trace = javaTrace(1996);
  t.equal(trace.length, 2000);
  const { ml, out } = run({ preset: 'java' }, ['2024-01-01 INFO starting', ...trace, '2024-01-01 INFO next']);
  t.equal(out.length, 3, 'the line before, the trace, the line after (single lines are not held)');
  t.equal(out[1]?.event.message.split('\n').length, 2000);
  t.equal(out[1]?.lines.length, 2000);
  t.equal(out[2]?.event.message, '2024-01-01 INFO next');
  t.equal(ml.pendingFrom(), undefined);
});

t.test('python preset: traceback up to and including the exception line', async (t) => {
  const { out } = run({ preset: 'python' }, [
    'before',
    'Traceback (most recent call last):',
    '  File "app.py", line 3, in <module>',
    '    main()',
    '  File "app.py", line 2, in main',
    '    raise ValueError("bad")',
    'ValueError: bad',
    'after',
  ]);
  t.same(
    out.map((r) => r.event.message.split('\n').length),
    [1, 6, 1],
  );
});

t.test('python preset: a blank line after the exception line belongs to the next event; a chained traceback still joins', async (t) => {
  const traceback = ['Traceback (most recent call last):', '  File "app.py", line 3, in <module>', '    main()', "KeyError: 'user'"];
  const { ml, out } = run({ preset: 'python' }, [...traceback, '', 'INFO next request', ...traceback, '']);
  ml.flush(out);
  t.same(
    out.map((r) => r.event.message),
    [traceback.join('\n'), '', 'INFO next request', traceback.join('\n'), ''],
    'the blank lines are events of their own, the tracebacks end at the exception line',
  );
  const chained = run({ preset: 'python' }, [
    ...traceback,
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    ...traceback,
    'after',
  ]);
  t.same(
    chained.out.map((r) => r.event.message.split('\n').length),
    [11, 1],
    'a chained traceback is one event (its blank lines inside it), the next line is not',
  );
});

t.test('go preset: panic with goroutine dump', async (t) => {
  const { out } = run({ preset: 'go' }, [
    'panic: runtime error: index out of range [5] with length 3',
    '',
    'goroutine 1 [running]:',
    'main.main()',
    '\t/tmp/prog.go:8 +0x1d',
    'exit status 2',
    'next line',
  ]);
  t.equal(out[0]?.event.message.split('\n').length, 6);
});

t.test('caps: max_lines and max_bytes split the event, nothing is lost', async (t) => {
  const { ml, out } = run({ start_pattern: '^S', max_lines: 3 }, ['S', 'a', 'b', 'c', 'd']);
  const rest: SourceRecord[] = [];
  ml.flush(rest);
  const all = [...out, ...rest].map((r) => r.event.message);
  t.same(all, ['S\na\nb', 'c\nd']);
  t.equal(out[0]?.event.multiline_split, true);
  const bytes = run({ start_pattern: '^S', max_bytes: 6 }, ['S', 'aa', 'bb', 'cc']);
  const r2: SourceRecord[] = [];
  bytes.ml.flush(r2);
  t.same(
    [...bytes.out, ...r2].map((r) => r.event.message),
    ['S\naa', 'bb\ncc'],
  );
});

t.test('timeout restarts with every appended line: one line per 200 ms is not split', async (t) => {
  const trace = javaTrace(20);
  const { ml, out, now } = run({ preset: 'java', timeout_ms: 1000 }, trace, 200);
  t.equal(out.length, 0, 'nothing emitted while lines keep coming');
  ml.flushDue(now + 999, out);
  t.equal(out.length, 0);
  ml.flushDue(now + 1000, out);
  t.equal(out.length, 1);
  t.equal(out[0]?.event.message.split('\n').length, trace.length);
});

t.test('a gap longer than the timeout does end the event', async (t) => {
  const { out } = run({ start_pattern: '^S' }, ['S', 'a', 'b'], 1500);
  t.same(
    out.map((r) => r.event.message),
    ['S', 'a'],
  );
});
