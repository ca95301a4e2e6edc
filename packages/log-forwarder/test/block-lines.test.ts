/**
 * Every sink's encoder written from the read buffer (block-lines.ts) gives the bytes its events
 * path gives: blocks of awkward lines (quotes, backslashes, controls, invalid and truncated UTF-8,
 * lines cut at max_line_bytes, CRLF), whole and sliced, from two files, through each encoder. The
 * fast path is proven to be taken: its request throws if events or ids are asked for.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { BlockData, SinkBatch } from '../src/batch.js';
import { PartsRequest, type RequestEvents, splitBatch, wholePart } from '../src/delivery/request.js';
import { ElasticsearchSinkSchema } from '../src/sink/elasticsearch/config.js';
import { BulkEncoder } from '../src/sink/elasticsearch/encoder.js';
import { encodeBatch, LocalEncoder } from '../src/sink/encode.js';
import { HttpSinkSchema } from '../src/sink/http/config.js';
import { buildHttpRequest } from '../src/sink/http/request.js';
import { LokiSinkSchema } from '../src/sink/loki/config.js';
import { LokiEncoder } from '../src/sink/loki/encoder.js';
import { OtlpSinkSchema } from '../src/sink/otlp/config.js';
import { encodeOtlp } from '../src/sink/otlp/encoder.js';
import { encodeLines } from '../src/sink/socket/encoder.js';
import { socketSink } from '../src/sink/socket/index.js';
import { SyslogSinkSchema } from '../src/sink/syslog/config.js';
import { SyslogEncoder } from '../src/sink/syslog/encoder.js';
import { syslogSink } from '../src/sink/syslog/index.js';
import { LineSplitter } from '../src/source/lines.js';
import { makeContext, sinkFrom, until } from './delivery/fixtures/batches.js';

const NGINX =
  '10.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "GET /api/v1/items/000000042 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)"';

/** Lines as bytes: the awkward cases one after another, `n` of them. */
function awkward(n: number, crlf: boolean): Buffer {
  const lines: Buffer[] = [
    Buffer.from(NGINX),
    Buffer.from('C:\\temp\\x "quoted" \t tab \u0001 ctl \u001f'),
    Buffer.from([0x61, 0xff, 0x62, 0xed, 0xa0, 0x80, 0x63, 0xc0, 0x80]),
    Buffer.from('é € 😀 \u2028 \u2029 '),
    Buffer.from([0x61, 0x62, 0xe2, 0x82]), // a sequence cut short at the line end
    Buffer.alloc(0),
    Buffer.from(`${'é'.repeat(300)}`), // over max_line_bytes: cut on a character boundary
    Buffer.from(`${'"\\'.repeat(400)}`),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const line = lines[i % lines.length] as Buffer;
    out.push(line, Buffer.from(crlf && i % 3 === 0 ? '\r\n' : '\n'));
  }
  return Buffer.concat(out);
}

function batch(file: string, n: number, crlf: boolean, base = 1000, text = awkward(n, crlf)): SinkBatch {
  const { block } = new LineSplitter(500).split(text, base);
  return new SinkBatch(new BlockData(block, file, `dev1-ino${file.length}-fp`, '2026-12-02T02:30:00.123Z'), () => undefined);
}

/** Requests: one whole block, slices of blocks (as the batch caps cut them), two files. */
function requests(): Array<[string, PartsRequest]> {
  const a = batch('/var/log/app/a.log', 40, false);
  const b = batch('/var/log/app/"b"\\.log', 33, true, 7);
  const c = batch('/var/log/app/a.log', 17, true);
  const plain = batch('/var/log/app/a.log', 0, false, 0, Buffer.from(`${NGINX}\n${NGINX}\n`.repeat(20)));
  return [
    ['one whole block', new PartsRequest([wholePart(a)])],
    ['a contiguous block (bare newlines, no line cut)', new PartsRequest([wholePart(plain)])],
    ['slices and whole blocks of two files', new PartsRequest([...splitBatch(b, 7, 1 << 20).slice(1, 3), wholePart(a), wholePart(c)])],
    ['one slice', new PartsRequest([splitBatch(a, 9, 1 << 20)[2] as never])],
  ];
}

/** The request as the events path sees it. */
function eventsOnly(r: RequestEvents): RequestEvents {
  return { count: r.count, bytes: r.bytes, events: () => r.events(), ids: () => r.ids(), raw: () => r.raw() };
}

/** The request as the fast path must see it: asking for events or ids fails. */
function linesOnly(r: PartsRequest): RequestEvents {
  const no = (): never => {
    throw new Error('the fast path built events');
  };
  return {
    count: r.count,
    bytes: r.bytes,
    events: no,
    ids: no,
    raw: () => r.raw(),
    slices: () => r.slices(),
    jsonLines: () => r.jsonLines(),
  };
}

function config<T>(schema: TObject, c: Record<string, unknown>): T {
  return Value.Default(schema, structuredClone(c)) as T;
}

const bytes = (x: string | Buffer | Buffer[]) => (Array.isArray(x) ? Buffer.concat(x) : Buffer.from(x));

t.test('the blocks hold the awkward cases', async (t) => {
  const data = (b: SinkBatch) => b.data as BlockData;
  t.ok(data(batch('/a', 20, false)).block.truncated.length > 0, 'lines cut at max_line_bytes');
  t.notOk(data(batch('/a', 20, true)).block.contiguous, 'CRLF lines');
  t.ok(data(batch('/a', 0, false, 0, Buffer.from(`${NGINX}\n`.repeat(3)))).block.contiguous, 'a contiguous block');
});

t.test('JSON lines (file, stdout, socket json, http ndjson): the bytes of JSON.stringify per event', async (t) => {
  for (const [name, r] of requests()) {
    const expected = Buffer.from(
      r
        .events()
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    t.same(bytes(encodeLines(linesOnly(r), 'json')), expected, `socket: ${name}`);
    t.same(bytes(encodeLines(eventsOnly(r), 'json')), expected, `socket, events path: ${name}`);
  }
  const b = batch('/x.log', 50, true);
  t.same(
    encodeBatch(b, 'json'),
    Buffer.from(
      b
        .events()
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    ),
    'file / stdout',
  );
});

t.test('http: body and Idempotency-Key', async (t) => {
  const c = config<never>(HttpSinkSchema, { type: 'http', inputs: ['a'], endpoint: 'http://127.0.0.1:1/x' });
  for (const [name, r] of requests()) {
    const fast = buildHttpRequest(c, '/x', linesOnly(r));
    const slow = buildHttpRequest(c, '/x', eventsOnly(r));
    t.same(bytes(fast.body), bytes(slow.body), name);
    t.same(fast.headers, slow.headers, `${name}: headers (the key hashes the same ids)`);
  }
});

t.test('elasticsearch: the _bulk body', async (t) => {
  const variants: Array<Record<string, unknown>> = [
    { index: 'logs-app' },
    { index: 'logs-%Y.%m.%d', op_type: 'index' },
    { index: 'by-{{ file }}-{{ missing }}', timestamp_field: '' },
    { index: 'x', timestamp_field: 'message' },
    { index: 'x', timestamp_field: 'ts "quoted"' },
  ];
  for (const v of variants) {
    const c = config<never>(ElasticsearchSinkSchema, { type: 'elasticsearch', inputs: ['a'], endpoint: 'http://127.0.0.1:1', ...v });
    for (const [name, r] of requests()) {
      t.same(
        bytes(new BulkEncoder(c).encode(linesOnly(r))),
        bytes(new BulkEncoder(c).encode(eventsOnly(r))),
        `${JSON.stringify(v)}: ${name}`,
      );
    }
  }
  const c = config<never>(ElasticsearchSinkSchema, { type: 'elasticsearch', inputs: ['a'], endpoint: 'http://x', index: '{{ message }}' });
  const [, r] = requests()[1] as [string, PartsRequest];
  t.same(
    bytes(new BulkEncoder(c).encode(r)),
    bytes(new BulkEncoder(c).encode(eventsOnly(r))),
    'an index from the message: the events path',
  );
});

t.test('loki: streams, entries, structured metadata and label overflow counts', async (t) => {
  const variants: Array<Record<string, unknown>> = [
    { labels: { app: 'bench' } },
    { labels: { app: 'bench' }, encoding: 'raw' },
    { labels: { file: '{{ file }}', app: 'x' }, structured_metadata: { path: '{{ file }}', none: '{{ level }}' } },
    { labels: { file: '{{ file }}' }, max_label_values: 1 },
    { labels: { empty: '{{ nothing }}', app: 'y' } },
  ];
  for (const v of variants) {
    const c = config<never>(LokiSinkSchema, { type: 'loki', inputs: ['a'], endpoint: 'http://127.0.0.1:1', ...v });
    for (const [name, r] of requests()) {
      const overflow = { fast: 0, slow: 0 };
      const fast = new LokiEncoder(c, () => overflow.fast++).encode(linesOnly(r));
      const slow = new LokiEncoder(c, () => overflow.slow++).encode(eventsOnly(r));
      t.same(bytes(fast), bytes(slow), `${JSON.stringify(v)}: ${name}`);
      t.equal(overflow.fast, overflow.slow, `${JSON.stringify(v)}: ${name}: overflows counted alike`);
    }
  }
});

t.test('otlp: the ExportLogsServiceRequest', async (t) => {
  for (const v of [{}, { resource_attributes: { 'service.name': 'a"b' }, scope_name: 's\\' }]) {
    const c = config<never>(OtlpSinkSchema, { type: 'otlp', inputs: ['a'], endpoint: 'http://127.0.0.1:1', ...v });
    for (const [name, r] of requests()) {
      t.same(bytes(encodeOtlp(c, linesOnly(r), 1_700_000_000_000)), bytes(encodeOtlp(c, eventsOnly(r), 1_700_000_000_000)), name);
    }
  }
  const c = config<never>(OtlpSinkSchema, { type: 'otlp', inputs: ['a'], endpoint: 'http://x', severity_field: 'file' });
  const [, r] = requests()[0] as [string, PartsRequest];
  t.same(bytes(encodeOtlp(c, r, 1)), bytes(encodeOtlp(c, eventsOnly(r), 1)), 'severity from the file field: the events path');
});

t.test('syslog: octet-counted RFC 5424 frames, messages cut at max_message_bytes, invalid UTF-8 replaced', async (t) => {
  const variants: Array<Record<string, unknown>> = [
    {},
    { max_message_bytes: 480 },
    { facility: 'local3', severity: 'err', severity_field: 'file', facility_field: 'file', app_name: 'a b', msg_id: 'M' },
  ];
  for (const v of variants) {
    const c = config<never>(SyslogSinkSchema, { type: 'syslog', inputs: ['a'], address: '127.0.0.1:514', hostname: 'pod-1', ...v });
    for (const [name, r] of requests()) {
      t.same(new SyslogEncoder(c).framesOf(linesOnly(r)), new SyslogEncoder(c).frames(r.events()), `${JSON.stringify(v)}: ${name}`);
    }
  }
  const c = config<never>(SyslogSinkSchema, {
    type: 'syslog',
    inputs: ['a'],
    address: 'x:1',
    severity_field: 'message',
    app_name: '{{ file }}',
  });
  // Invalid bytes make a frame longer than its line: across 99 → 100 the length gains a digit.
  const lines: Buffer[] = [];
  for (let k = 0; k < 120; k++) lines.push(Buffer.from('a'.repeat(k)), Buffer.from([0xff, 0xfe, 0xe2, 0x82, 0x0a]));
  const grown = new PartsRequest([wholePart(batch('/g.log', 0, false, 0, Buffer.concat(lines)))]);
  const plain = config<never>(SyslogSinkSchema, { type: 'syslog', inputs: ['a'], address: '127.0.0.1:514', hostname: 'h' });
  t.same(new SyslogEncoder(plain).framesOf(linesOnly(grown)), new SyslogEncoder(plain).frames(grown.events()), 'lengths that gain a digit');
  const [, r] = requests()[1] as [string, PartsRequest];
  t.same(new SyslogEncoder(c).framesOf(r), new SyslogEncoder(c).frames(r.events()), 'templated headers: the events path');
});

t.test('random blocks: every encoder equal on both paths', async (t) => {
  let x = 7;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const pick = [0x0a, 0x0a, 0x0d, 0x22, 0x5c, 0x00, 0x1f, 0x41, 0x80, 0xbf, 0xc2, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0xff];
  const syslog = config<never>(SyslogSinkSchema, {
    type: 'syslog',
    inputs: ['a'],
    address: '127.0.0.1:514',
    hostname: 'h',
    max_message_bytes: 480,
  });
  const loki = config<never>(LokiSinkSchema, { type: 'loki', inputs: ['a'], endpoint: 'http://x', labels: { app: 'a' } });
  const es = config<never>(ElasticsearchSinkSchema, { type: 'elasticsearch', inputs: ['a'], endpoint: 'http://x', index: 'i' });
  const otlp = config<never>(OtlpSinkSchema, { type: 'otlp', inputs: ['a'], endpoint: 'http://x' });
  let compared = 0;
  for (let n = 0; n < 200; n++) {
    const text = Buffer.alloc(Math.floor(rnd() * 2000) + 1);
    for (let i = 0; i < text.length; i++)
      text[i] = rnd() < 0.3 ? (pick[Math.floor(rnd() * pick.length)] as number) : 0x20 + Math.floor(rnd() * 0x60);
    const b = batch(`/r${n}.log`, 0, false, n, text);
    if (b.count === 0) continue;
    const r = new PartsRequest(splitBatch(b, 1 + Math.floor(rnd() * 10), 1 << 20));
    const same = (what: string, a: string | Buffer | Buffer[], e: string | Buffer | Buffer[]) => {
      if (!bytes(a).equals(bytes(e))) t.fail(`${what} differs for ${text.toString('hex')}`);
    };
    same('json lines', encodeLines(linesOnly(r), 'json'), encodeLines(eventsOnly(r), 'json'));
    same('syslog', new SyslogEncoder(syslog).framesOf(linesOnly(r)), new SyslogEncoder(syslog).frames(r.events()));
    same('loki', new LokiEncoder(loki).encode(linesOnly(r)), new LokiEncoder(loki).encode(eventsOnly(r)));
    same('elasticsearch', new BulkEncoder(es).encode(linesOnly(r)), new BulkEncoder(es).encode(eventsOnly(r)));
    same('otlp', encodeOtlp(otlp, linesOnly(r), 1), encodeOtlp(otlp, eventsOnly(r), 1));
    compared++;
  }
  t.ok(compared > 150, `${compared} random blocks compared`);
});

t.test('LocalEncoder (file sink): the buffer of a written batch is reused, bytes unchanged', async (t) => {
  const encoder = new LocalEncoder('json');
  // Batches over half of Buffer.poolSize (64 KiB on Node 24): their buffers are their own.
  const a = batch('/a.log', 0, false, 0, Buffer.from(`${NGINX}\n`.repeat(1000)));
  const b = batch('/b.log', 0, false, 0, Buffer.from(`${NGINX}\r\n`.repeat(900)));
  const first = encoder.encode(a);
  t.same(first, encodeBatch(a, 'json'));
  const copy = Buffer.from(first);
  const second = encoder.encode(b);
  t.not(second.buffer, first.buffer, 'not reused before done()');
  t.same(first, copy, 'the first batch untouched while it is being written');
  encoder.done(second);
  const third = encoder.encode(b);
  t.equal(third.buffer, second.buffer, 'reused after done()');
  t.same(third, encodeBatch(b, 'json'));
  encoder.done(third);
  const fourth = encoder.encode(a);
  t.same(fourth, encodeBatch(a, 'json'), 'a larger batch than the spare: a new buffer, the same bytes');
  const tiny = batch('/t.log', 0, false, 0, Buffer.from('x\n'));
  const small = encoder.encode(tiny);
  encoder.done(small);
  t.not(encoder.encode(a).buffer, small.buffer, 'a slice of the shared pool is never reused');
});

t.test('socket (json) and syslog sinks: consecutive blocks, encode buffers reused, every byte received as encoded', async (t) => {
  const received: Buffer[] = [];
  const server = createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((r) => server.close(r)));
  const { port } = server.address() as AddressInfo;
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const make = () =>
    Array.from({ length: 6 }, (_, k) => batch(`/f${k}.log`, 0, false, k * 1e6, Buffer.from(`${NGINX} ${k}\n`.repeat(800 + 50 * k))));
  for (const [name, factory, block, expected] of [
    [
      'socket',
      socketSink,
      { type: 'socket', address: `127.0.0.1:${port}`, encoding: 'json' },
      (bs: SinkBatch[]) => Buffer.concat(bs.map((b) => encodeBatch(b, 'json'))),
    ],
    [
      'syslog',
      syslogSink,
      { type: 'syslog', address: `127.0.0.1:${port}`, hostname: 'h', batch: { max_events: 100_000, max_bytes: 1 << 24 } },
      (bs: SinkBatch[]) =>
        Buffer.concat(
          bs.map((b) =>
            new SyslogEncoder(config<never>(SyslogSinkSchema, { type: 'syslog', inputs: ['a'], address: 'x:1', hostname: 'h' })).frames(
              b.events(),
            ),
          ),
        ),
    ],
  ] as const) {
    received.length = 0;
    const batches = make();
    const sink = sinkFrom(factory as never, name, { inputs: ['a'], ...block }, ctx);
    await sink.start();
    for (const b of batches) await sink.write(b);
    const want = (expected as (bs: SinkBatch[]) => Buffer)(batches);
    await until(() => Buffer.concat(received).length >= want.length, `${name}: all bytes`);
    t.same(Buffer.concat(received), want, `${name}: the bytes of the events path, in order`);
    await sink.stop(AbortSignal.timeout(5000));
  }
});
