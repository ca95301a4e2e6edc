import { PassThrough, Readable } from 'node:stream';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { isJsonType } from '../../src/body/content-type.js';
import { decode, encode, parseCoding, TooLargeError } from '../../src/body/encoding.js';
import { parseJson, serialiseJson } from '../../src/body/json.js';
import { readCapped } from '../../src/body/read.js';

t.test('JSON content types', async (t) => {
  t.ok(isJsonType('application/json'));
  t.ok(isJsonType('Application/JSON; charset=utf-8'));
  t.ok(isJsonType('application/problem+json'));
  t.ok(isJsonType('application/vnd.api+json;v=1'));
  t.notOk(isJsonType('text/json+xml'));
  t.notOk(isJsonType('image/png'));
  t.notOk(isJsonType('text/plain'));
  t.notOk(isJsonType(undefined));
  t.notOk(isJsonType('+json'));
});

t.test('codings round-trip and are capped', async (t) => {
  const text = Buffer.from(JSON.stringify({ a: 'x'.repeat(1000) }));
  t.equal(parseCoding(undefined), 'identity');
  t.equal(parseCoding('x-gzip'), 'gzip');
  t.equal(parseCoding('gzip, br'), undefined, 'stacked codings are not handled');
  t.equal(parseCoding('zstd'), undefined);
  for (const c of ['identity', 'gzip', 'deflate', 'br'] as const) {
    t.same(await decode(await encode(text, c), c, 1 << 20), text, c);
  }
  t.same(await decode(gzipSync(text), 'gzip', 1 << 20), text);
  t.same(await decode(deflateSync(text), 'deflate', 1 << 20), text);
  t.same(await decode(deflateRawSync(text), 'deflate', 1 << 20), text, 'raw deflate accepted');
  t.same(await decode(brotliCompressSync(text), 'br', 1 << 20), text);
  const bomb = gzipSync(Buffer.alloc(5 << 20));
  const err = await decode(bomb, 'gzip', 1 << 20).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof TooLargeError, 'a small body cannot expand past the cap');
  t.match(err, { message: /larger than 1048576 bytes/ });
  await t.rejects(decode(Buffer.from('not gzip'), 'gzip', 1 << 20));
});

t.test('readCapped returns the body, or what it read plus the rest', async (t) => {
  const small = await readCapped(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10);
  t.same(small, { kind: 'complete', body: Buffer.from('abcd') });
  const src = new PassThrough();
  const p = readCapped(src, 3);
  src.write('ab');
  src.write('cd');
  src.end('ef');
  const big = await p;
  t.equal(big.kind, 'overflow');
  if (big.kind !== 'overflow') return;
  const chunks: Buffer[] = [...big.head];
  for await (const c of big.rest) chunks.push(c as Buffer);
  t.equal(Buffer.concat(chunks).toString(), 'abcdef', 'nothing lost');
  const broken = new PassThrough();
  const q = readCapped(broken, 100);
  broken.write('x');
  broken.destroy(new Error('boom'));
  await t.rejects(q, /boom/);
});

t.test('parse and serialise', async (t) => {
  t.same(parseJson(Buffer.from('\ufeff{"a":1}')), { ok: true, doc: { a: 1 } }, 'BOM skipped');
  t.match(parseJson(Buffer.from('{"a":')), { ok: false, error: /JSON/ });
  t.equal(serialiseJson({ a: [1] }).toString(), '{"a":[1]}');
  t.equal(serialiseJson(undefined).toString(), 'null');
});
