import t from 'tap';
import { createParser } from '../../src/parse/index.js';

const NOW = '2026-01-01T00:00:00.000Z';
const parse = (cfg: Record<string, unknown>, line: string) =>
  createParser({ type: 'raw', ...cfg } as { type: string }).parse(line, '/f.log', NOW);

t.test('raw: the line is the message', async (t) => {
  t.same(parse({ type: 'raw' }, 'hello').event, { message: 'hello', timestamp: NOW, file: '/f.log' });
});

t.test('json: fields become event fields, message from the message field', async (t) => {
  const e = parse({ type: 'json' }, '{"message":"hi","level":"info","n":3}').event;
  t.same(e, { level: 'info', n: 3, message: 'hi', timestamp: NOW, file: '/f.log' });
  t.equal(parse({ type: 'json' }, '{"msg":"pino style"}').event.message, 'pino style');
  t.equal(parse({ type: 'json', message_field: 'text' }, '{"text":"x","a":1}').event.message, 'x');
  t.equal(parse({ type: 'json' }, '{"a":1}').event.message, '{"a":1}', 'no message field: the line');
});

t.test('json: a bad line becomes a raw event flagged with the error, never dropped', async (t) => {
  const e = parse({ type: 'json' }, '{"message": oops').event;
  t.equal(e.message, '{"message": oops');
  t.match(e.parse_error, /^json: /);
  t.match(parse({ type: 'json' }, '[1,2]').event.parse_error, /not an object/);
});

t.test('json without a timestamp option: an RFC 3339 `timestamp` field is the event time, others are kept', async (t) => {
  t.equal(parse({ type: 'json' }, '{"message":"m","timestamp":"2024-05-01T10:00:00.5Z"}').event.timestamp, '2024-05-01T10:00:00.5Z');
  const e = parse({ type: 'json' }, '{"message":"m","timestamp":1700000000}').event;
  t.equal(e.timestamp, NOW);
  t.equal(e.original_timestamp, 1700000000);
});

t.test('json with timestamp field and format', async (t) => {
  const e = parse({ type: 'json', timestamp: { field: 'ts', format: 'unix_ms' } }, '{"message":"m","ts":1700000000123}').event;
  t.equal(e.timestamp, '2023-11-14T22:13:20.123Z');
  t.notOk('ts' in e);
  const bad = parse({ type: 'json', timestamp: { field: 'ts', format: 'unix' } }, '{"message":"m","ts":"soon"}').event;
  t.equal(bad.timestamp, NOW);
  t.match(bad.parse_error, /timestamp: cannot parse "soon" as unix/);
});

t.test('logfmt: pairs, quoted values with escapes, bare keys', async (t) => {
  const e = parse({ type: 'logfmt' }, 'level=warn msg="disk \\"sda\\" full" retry ts=2024-05-01T10:00:00Z').event;
  t.same(e, { level: 'warn', retry: true, ts: '2024-05-01T10:00:00Z', message: 'disk "sda" full', timestamp: NOW, file: '/f.log' });
  t.equal(parse({ type: 'logfmt' }, 'no pairs here').event.message, 'no pairs here');
});

t.test('regex: named groups become fields; no match → raw event with parse_error', async (t) => {
  const cfg = {
    type: 'regex',
    pattern: '^(?<ip>\\S+) \\[(?<time>[^\\]]+)\\] (?<message>.*)$',
    timestamp: { field: 'time', format: '%d/%b/%Y:%H:%M:%S %z' },
  };
  const e = parse(cfg, '10.0.0.1 [10/Oct/2000:13:55:36 -0700] GET /').event;
  t.same(e, { ip: '10.0.0.1', message: 'GET /', timestamp: '2000-10-10T20:55:36.000Z', file: '/f.log' });
  const bad = parse(cfg, 'nope').event;
  t.equal(bad.message, 'nope');
  t.match(bad.parse_error, /regex/);
});

t.test('cri: time, stream, P/F tag, message', async (t) => {
  const p = parse({ type: 'cri' }, '2016-10-06T00:17:09.669794202Z stderr P part one ');
  t.same(p, {
    event: { message: 'part one ', timestamp: '2016-10-06T00:17:09.669794202Z', file: '/f.log', stream: 'stderr' },
    stream: 'stderr',
    partial: true,
    messageFrom: 40,
  });
  t.equal(parse({ type: 'cri' }, '2016-10-06T00:17:09Z stdout F').event.message, '');
  t.match(parse({ type: 'cri' }, 'garbage').event.parse_error, /cri/);
});

t.test('docker json-file: partial when log lacks the trailing newline', async (t) => {
  const full = parse({ type: 'docker' }, '{"log":"done\\n","stream":"stdout","time":"2019-01-01T00:00:00Z"}');
  t.same(full, {
    event: { message: 'done', timestamp: '2019-01-01T00:00:00Z', file: '/f.log', stream: 'stdout' },
    stream: 'stdout',
    partial: false,
  });
  t.equal(parse({ type: 'docker' }, '{"log":"abc","stream":"stderr"}').partial, true);
  t.match(parse({ type: 'docker' }, '{"nolog":1}').event.parse_error, /docker/);
});
