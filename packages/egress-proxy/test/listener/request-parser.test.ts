/**
 * The strict request parser on its own: every case fed whole, split at every byte boundary and
 * byte by byte, with the same outcome each way (a parser whose verdict depends on how TCP cut the
 * bytes is a smuggling risk).
 */
import t, { type Test } from 'tap';
import { RequestError, type RequestHead, type RequestLimits, RequestParser, type RequestSink } from '../../src/listener/request-parser.js';

const LIMITS: RequestLimits = { maxHeaderBytes: 16384, maxRequestLineBytes: 8192, underscoreHeaders: 'drop' };

interface Heard {
  heads: RequestHead[];
  bodies: string[];
  /** Messages whose body ended. */
  ended: number;
  /** The status of the RequestError thrown, if any. */
  error: number | undefined;
  detail: string | undefined;
}

/** Feeds `pieces` one after another, going on after each head and body end like the connection. */
function parse(pieces: string[], limits: RequestLimits = LIMITS): Heard {
  const parser = new RequestParser(limits);
  const heard: Heard = { heads: [], bodies: [], ended: 0, error: undefined, detail: undefined };
  const sink: RequestSink = {
    paused: false,
    onHead: (h) => {
      heard.heads.push(h);
      heard.bodies.push('');
    },
    onData: (c) => {
      heard.bodies[heard.bodies.length - 1] += c.toString('latin1');
    },
    onEnd: () => {
      heard.ended++;
    },
  };
  try {
    for (const piece of pieces) {
      const buf = Buffer.from(piece, 'latin1');
      let at = 0;
      while (at < buf.length) {
        const next = parser.execute(buf, at, buf.length, sink);
        if (next === at && !parser.inBody) break; // detached (CONNECT, upgrade)
        at = next;
      }
    }
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    heard.error = err.status;
    heard.detail = err.message;
  }
  return heard;
}

/** The outcome of `input` is the same whole, split in two at every byte, and byte by byte. */
function same(t: Test, input: string, limits: RequestLimits = LIMITS): Heard {
  const whole = parse([input], limits);
  const summary = (h: Heard) => JSON.stringify({ heads: h.heads, bodies: h.bodies, ended: h.ended, error: h.error });
  const expected = summary(whole);
  let mismatches = 0;
  for (let k = 1; k < input.length; k++) {
    if (summary(parse([input.slice(0, k), input.slice(k)], limits)) !== expected) mismatches++;
  }
  if (input.length < 3000 && summary(parse([...input], limits)) !== expected) mismatches++;
  t.equal(mismatches, 0, `same outcome however ${JSON.stringify(input.slice(0, 40))} is split`);
  return whole;
}

t.test('a GET: method, target, version, headers in order, no body', async (t) => {
  const h = same(t, 'GET /a?b=1 HTTP/1.1\r\nHost: x:80\r\nX-A:  v  \r\nx-a: w\r\n\r\n');
  t.equal(h.error, undefined);
  t.match(h.heads[0], { method: 'GET', target: '/a?b=1', minor: 1, host: 'x:80', bodyLength: 0, keepAlive: true });
  t.same(h.heads[0]?.rawHeaders, ['Host', 'x:80', 'X-A', 'v', 'x-a', 'w']);
  t.equal(h.ended, 1);
});

t.test('bodies: Content-Length, chunked (extensions, trailers dropped), pipelined requests', async (t) => {
  const cl = same(t, 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  t.same(cl.bodies, ['hello']);
  t.equal(cl.ended, 1);
  const padded = same(t, 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 00000000000000000005\r\n\r\nhello');
  t.equal(padded.error, undefined, 'leading zeros are digits (RFC 9110 §8.6)');
  t.same(padded.bodies, ['hello']);
  const ws = same(t, 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n5 \t\r\nworld\r\n0\r\n\r\n');
  t.equal(ws.error, undefined, 'whitespace before an extension or the CRLF (BWS)');
  t.same(ws.bodies, ['helloworld']);
  const chunked = same(
    t,
    'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n5;a=b\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n',
  );
  t.equal(chunked.error, undefined);
  t.equal(chunked.heads[0]?.bodyLength, -1);
  t.same(chunked.bodies, ['hello0123456789']);
  t.equal(chunked.ended, 1);
  const two = same(
    t,
    'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok\r\nGET /3 HTTP/1.0\r\n\r\n',
  );
  t.same(
    two.heads.map((h) => h.target),
    ['/1', '/2', '/3'],
    'an empty line between requests is ignored',
  );
  t.same(two.bodies, ['', 'ok', '']);
  t.equal(two.heads[2]?.keepAlive, false, 'HTTP/1.0 closes by default');
});

t.test('keep-alive, Connection: close, 100-continue, upgrades, CONNECT', async (t) => {
  t.equal(same(t, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n').heads[0]?.keepAlive, false);
  t.equal(same(t, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').heads[0]?.keepAlive, true);
  t.equal(same(t, 'PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').heads[0]?.expectContinue, true);
  t.equal(same(t, 'PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n').heads[0]?.expectContinue, false);
  const ws = same(t, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x00');
  t.equal(ws.heads[0]?.upgrade, true);
  t.same(ws.bodies, [''], 'bytes after an upgrade are not parsed');
  t.equal(
    same(t, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n').heads[0]?.upgrade,
    false,
    'h2c stays HTTP/1.1',
  );
  t.equal(same(t, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n').heads[0]?.upgrade, false, 'without Connection: upgrade');
  const connect = same(t, 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01');
  t.match(connect.heads[0], { method: 'CONNECT', target: 'a:443' });
  t.same(connect.bodies, ['']);
});

t.test('refused with 400: request line, Host, framing, field syntax', async (t) => {
  const cases: [string, string][] = [
    ['HTTP/0.9', 'GET /zero-nine\r\n\r\n'],
    ['HTTP/2.0 version', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'],
    ['lower-case version', 'GET / http/1.1\r\nHost: x\r\n\r\n'],
    ['two spaces', 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['binary junk', '\x16\x03\x01\x00\xff\x00\r\n\r\n'],
    ['no Host on 1.1', 'GET / HTTP/1.1\r\n\r\n'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['empty Host', 'GET / HTTP/1.1\r\nHost: \r\n\r\n'],
    ['userinfo Host', 'GET / HTTP/1.1\r\nHost: user@x\r\n\r\n'],
    ['path Host', 'GET / HTTP/1.1\r\nHost: x/path\r\n\r\n'],
    ['list Host', 'GET / HTTP/1.1\r\nHost: a, b\r\n\r\n'],
    ['two ports', 'GET / HTTP/1.1\r\nHost: x:80:80\r\n\r\n'],
    ['CL and TE', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['TE and CL', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n'],
    ['two CL', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'],
    ['two equal CL', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'],
    ['CL list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n'],
    ['CL not digits', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['CL signed', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n'],
    ['CL huge', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456\r\n\r\n'],
    ['TE chunked, identity', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n'],
    ['TE gzip', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['TE gzip, chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
    ['TE twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['TE on 1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['space before colon', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n'],
    ['obs-fold with tab', 'GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tX-Inner: b\r\n\r\n'],
    ['control byte in a name', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad\x01: v\r\n\r\n'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: v\x00\r\n\r\n'],
    ['bare LF', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bare-LF: v\nX-Other: w\r\n\r\n'],
    ['bare LF head end', 'GET / HTTP/1.1\nHost: x\n\n'],
    ['bare CR', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bare-CR: v\rX-Other: w\r\n\r\n'],
    ['no colon', 'GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n'],
    ['empty name', 'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n'],
  ];
  for (const [name, input] of cases) {
    const h = same(t, input);
    t.equal(h.error, 400, name);
    t.equal(h.heads.length, 0, `${name}: no head handed on`);
  }
});

t.test('chunked bodies refused with 400 as they stream', async (t) => {
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const [name, body] of [
    ['size not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['junk after the size and a space', '5 zz\r\nhello\r\n0\r\n\r\n'],
    ['data without CRLF', '5\r\nhelloXX0\r\n\r\n'],
    ['size line with bare LF', '5\nhello\r\n0\r\n\r\n'],
    ['size overflow', 'fffffffffffffffff\r\nx\r\n0\r\n\r\n'],
    ['negative size', '-5\r\nhello\r\n0\r\n\r\n'],
    ['control byte in an extension', '5;a\x01\r\nhello\r\n0\r\n\r\n'],
    ['obs-fold in trailers', '0\r\nX-T: 1\r\n folded\r\n\r\n'],
    ['bare LF in trailers', '0\r\nX-T: 1\n\r\n'],
  ] as const) {
    const h = same(t, head + body);
    t.equal(h.error, 400, name);
    t.equal(h.ended, 0, `${name}: the body never ends well`);
  }
  const long = same(t, `${head}1;${'e'.repeat(5000)}\r\nx\r\n0\r\n\r\n`);
  t.equal(long.error, 400, 'an extension too long');
});

t.test('underscores: passed by drop and pass (hygiene drops them later), refused by reject', async (t) => {
  const input = 'GET / HTTP/1.1\r\nHost: x\r\nX_Foo: a\r\n\r\n';
  t.same(same(t, input).heads[0]?.rawHeaders, ['Host', 'x', 'X_Foo', 'a']);
  t.equal(same(t, input, { ...LIMITS, underscoreHeaders: 'reject' }).error, 400);
});

t.test('Expect other than 100-continue → 417', async (t) => {
  for (const e of ['100-continue, foo', 'foo', '', '100-continue-please']) {
    t.equal(same(t, `PUT / HTTP/1.1\r\nHost: x\r\nExpect: ${e}\r\nContent-Length: 1\r\n\r\n`).error, 417, e);
  }
});

t.test('limits: 414 for the request line, 431 for the head; before the head is whole', async (t) => {
  t.equal(same(t, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`).error, 414);
  t.equal(parse([`GET /${'a'.repeat(9000)}`]).error, 414, 'refused before the line ends');
  t.equal(parse([`GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`]).error, 414, 'over max_header_bytes too');
  t.equal(same(t, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`).error, 431);
  t.equal(parse([`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}`]).error, 431, 'refused before the head ends');
  const small = { ...LIMITS, maxHeaderBytes: 1024, maxRequestLineBytes: 64 };
  t.equal(same(t, `GET /${'a'.repeat(70)} HTTP/1.1\r\nHost: x\r\n\r\n`, small).error, 414);
  t.equal(same(t, `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(1010)}\r\n\r\n`, small).error, 431);
  t.equal(same(t, `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(900)}\r\n\r\n`, small).error, undefined, 'just under');
  t.equal(parse(['\r\n'.repeat(100000)]).error, undefined, 'empty lines alone keep nothing');
});
