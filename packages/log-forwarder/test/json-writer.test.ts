/**
 * The byte-level JSON string escaper against its reference, `JSON.stringify(buf.toString('utf8'))`:
 * random bytes biased towards the interesting ones (quotes, backslashes, controls, every UTF-8 lead
 * and continuation boundary), plus the cases named in issue 11.
 */
import t from 'tap';
import { JsonWriter } from '../src/json-writer.js';

const json = (b: Buffer) => Buffer.from(JSON.stringify(b.toString('utf8')));
function written(fn: (w: JsonWriter) => void): Buffer {
  const w = new JsonWriter(1); // grows from the smallest size: growth is exercised too
  fn(w);
  return w.result();
}

const INTERESTING = [
  0x00, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, 0x22, 0x2f, 0x5c, 0x7f, 0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
  0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff,
];

/** A deterministic generator (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

t.test('fuzz: jsonString equals JSON.stringify of the decoded bytes; utf8 equals decode + encode', async (t) => {
  const rnd = random(11);
  let checked = 0;
  for (let n = 0; n < 100_000; n++) {
    const len = Math.floor(rnd() * 16);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) {
      b[i] = rnd() < 0.6 ? (INTERESTING[Math.floor(rnd() * INTERESTING.length)] as number) : Math.floor(rnd() * 256);
    }
    // Also a line that is a slice of a larger buffer: nothing outside [start, end) may be read.
    const padded = Buffer.concat([Buffer.from([0xe2, 0x82]), b, Buffer.from([0xac, 0x22])]);
    const got = written((w) => w.jsonString(padded, 2, 2 + len));
    if (!got.equals(json(b))) t.fail(`jsonString of ${b.toString('hex')}: ${got.toString('hex')} != ${json(b).toString('hex')}`);
    const text = written((w) => w.utf8(padded, 2, 2 + len));
    if (!text.equals(Buffer.from(b.toString('utf8')))) t.fail(`utf8 of ${b.toString('hex')}`);
    const twice = written((w) => w.jsonStringTwice(padded, 2, 2 + len));
    const ref = Buffer.from(JSON.stringify(JSON.stringify(b.toString('utf8')).slice(1, -1)).slice(1, -1));
    if (!twice.equals(ref)) t.fail(`jsonStringTwice of ${b.toString('hex')}`);
    checked++;
  }
  t.equal(checked, 100_000);
});

t.test('the cases issue 11 names, and valid text copied as is', async (t) => {
  const cases: Array<[string, number[]]> = [
    ['a truncated 3-byte sequence at the line end', [0x61, 0xe2, 0x82]],
    ['a truncated 4-byte sequence at the line end', [0xf0, 0x9f, 0x98]],
    ['a lone surrogate encoded (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a surrogate pair encoded as two CESU-8 sequences', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ['overlong NUL (C0 80)', [0xc0, 0x80]],
    ['above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['controls and escapes', [0x00, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1b, 0x1f, 0x22, 0x5c, 0x7f]],
  ];
  for (const [name, bytes] of cases) {
    const b = Buffer.from(bytes);
    t.same(
      written((w) => w.jsonString(b, 0, b.length)),
      json(b),
      name,
    );
  }
  const nginx = Buffer.from(
    '10.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" é € 😀 \u2028',
  );
  t.same(
    written((w) => w.jsonString(nginx, 0, nginx.length)),
    json(nginx),
  );
  const end = Buffer.from('😀 \u2028"');
  t.same(
    written((w) => w.jsonString(nginx, 0, nginx.length)).subarray(-end.length),
    end,
    'multi-byte UTF-8 (and U+2028, which JSON.stringify keeps) copied as is',
  );
});

t.test('decimal writes what String(n) does', async (t) => {
  for (const n of [0, 7, 10, 99, 100, 123_456_789, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
    t.equal(written((w) => w.decimal(n)).toString(), String(n));
  }
});
