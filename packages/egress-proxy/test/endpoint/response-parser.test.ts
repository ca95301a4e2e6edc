/**
 * The strict response parser on its own: valid framings fed whole and split at every byte, and
 * the malformed responses it must refuse (each would be a smuggling or desync risk if guessed at).
 */
import t from 'tap';
import { ResponseError, type ResponseHead, ResponseParser, type ResponseSink } from '../../src/endpoint/response-parser.js';

interface Heard {
  head: ResponseHead | undefined;
  body: string;
  ended: boolean;
  /** Bytes of the input that were not part of the response. */
  rest: number;
}

/** Feeds `pieces` one after another; throws what the parser throws. */
function parse(pieces: string[], method = 'GET', eof = false): Heard {
  const parser = new ResponseParser();
  parser.expect(method);
  const heard: Heard = { head: undefined, body: '', ended: false, rest: 0 };
  const sink: ResponseSink = {
    paused: false,
    onHead: (h) => {
      heard.head = h;
    },
    onData: (c) => {
      heard.body += c.toString('latin1');
    },
    onEnd: () => {
      heard.ended = true;
    },
  };
  for (const piece of pieces) {
    const buf = Buffer.from(piece, 'latin1');
    const at = parser.execute(buf, 0, buf.length, sink);
    heard.rest += buf.length - at;
  }
  if (eof) parser.eof(sink);
  return heard;
}

/** Every way of cutting `text` in two, plus one byte at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const valid: [string, string, { method?: string; eof?: boolean; body: string; status?: number; keepAlive?: boolean }][] = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello', { body: 'hello', keepAlive: true }],
  [
    'chunked with extensions and trailers',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n',
    { body: 'hello!' },
  ],
  ['no framing: read until the close', 'HTTP/1.1 200 OK\r\n\r\nuntil close', { eof: true, body: 'until close', keepAlive: false }],
  ['HEAD: no body despite Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', { method: 'HEAD', body: '' }],
  ['204: no body', 'HTTP/1.1 204 No Content\r\n\r\n', { body: '', status: 204 }],
  ['304: no body despite Content-Length', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', { body: '', status: 304 }],
  [
    '1xx are skipped',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    {
      body: 'ok',
      status: 201,
    },
  ],
  ['HTTP/1.0 without keep-alive', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', { body: 'ok', keepAlive: false }],
  ['Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', { body: 'ok', keepAlive: false }],
  ['an empty reason phrase', 'HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n', { body: '' }],
  ['a zero-padded Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 0000000000000002\r\n\r\nok', { body: 'ok' }],
];

t.test('valid responses, whole and split at every byte', async (t) => {
  for (const [name, text, want] of valid) {
    for (const pieces of splits(text)) {
      const heard = parse(pieces, want.method, want.eof);
      if (heard.body !== want.body || !heard.ended || heard.rest !== 0) {
        t.fail(`${name}: split ${pieces.map((p) => p.length).join('+')} heard ${JSON.stringify(heard)}`);
        return;
      }
    }
    const heard = parse([text], want.method, want.eof);
    t.equal(heard.head?.status, want.status ?? 200, `${name}: status`);
    if (want.keepAlive !== undefined) t.equal(heard.head?.keepAlive, want.keepAlive, `${name}: keep-alive`);
  }
});

t.test('headers: a flat list in order, lower-case names, repeated fields kept apart, Keep-Alive timeout', async (t) => {
  const heard = parse([
    'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-One:  v \r\nSet-Cookie: b=2\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n',
  ]);
  t.same(heard.head?.headers, [
    'set-cookie',
    'a=1',
    'x-one',
    'v', // optional whitespace trimmed
    'set-cookie',
    'b=2',
    'keep-alive',
    'timeout=5, max=100',
    'content-length',
    '0',
  ]);
  t.equal(heard.head?.keepAliveTimeoutMs, 5000);
});

t.test('bytes after a complete response are not part of it', async (t) => {
  const heard = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA']);
  t.equal(heard.body, 'ok');
  t.equal(heard.rest, 5);
});

const malformed: [string, string, string?][] = [
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n'],
  ['bare LF in the head', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n'],
  ['bare LF inside a field line', 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n'],
  ['bare CR inside a field value', 'HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 0\r\n\r\n'],
  ['whitespace before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n'],
  ['a field line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n'],
  ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n'],
  ['duplicate Content-Length (same value)', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'],
  ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'],
  ['a Content-Length list', 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok'],
  ['a signed Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok'],
  ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['chunked not last', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'],
  ['chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ['a chunk size without digits', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n'],
  ['a chunk size too large', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n'],
  ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'],
  ['a chunk size line ended by a bare LF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n'],
  ['a trailer with obs-fold', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n'],
  ['a malformed status line', 'HTTP/1.1 OK\r\n\r\n'],
  ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
  ['HTTP/2 in the status line', 'HTTP/2 200 OK\r\n\r\n'],
  ['lower-case protocol name', 'http/1.1 200 OK\r\n\r\n'],
  ['a 101 nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
  ['a head larger than 16 KiB', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
];

t.test('malformed responses are refused, whole and split', async (t) => {
  for (const [name, text] of malformed) {
    t.throws(() => parse([text]), ResponseError, name);
    const half = Math.floor(text.length / 2);
    t.throws(() => parse([text.slice(0, half), text.slice(half)]), ResponseError, `${name} (split)`);
  }
});

t.test('a response cut by the close is an error; a body read until the close is not', async (t) => {
  t.throws(() => parse(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'], 'GET', true), ResponseError);
  t.throws(() => parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel'], 'GET', true), ResponseError);
  t.throws(() => parse(['HTTP/1.1 200 O'], 'GET', true), ResponseError, 'a half head');
  t.throws(() => parse([], 'GET', true), /before responding/, 'nothing at all');
  t.equal(parse(['HTTP/1.1 200 OK\r\n\r\nabc'], 'GET', true).ended, true);
});

t.test('a paused sink stops the parser between body chunks', async (t) => {
  const parser = new ResponseParser();
  parser.expect('GET');
  let body = '';
  const sink = {
    paused: false,
    onHead: () => {},
    onData: (c: Buffer) => {
      body += c.toString('latin1');
      sink.paused = true;
    },
    onEnd: () => {},
  };
  const buf = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n', 'latin1');
  const at = parser.execute(buf, 0, buf.length, sink);
  t.equal(body, 'a');
  t.ok(at < buf.length, 'stopped before the end');
  sink.paused = false;
  sink.onData = (c: Buffer) => {
    body += c.toString('latin1');
  };
  t.equal(parser.execute(buf, at, buf.length, sink), buf.length);
  t.equal(body, 'ab');
  t.ok(parser.done);
});
