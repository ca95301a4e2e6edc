/**
 * The http sink's idempotency key: one per sequence of event ids, however the lines were read
 * (one block or several) and whichever path encodes them (lines straight from the file, or events).
 */
import t from 'tap';
import { BlockData, SinkBatch } from '../../../src/batch.js';
import { PartsRequest, wholePart } from '../../../src/delivery/request.js';
import { idempotencyKey, requestIdempotencyKey } from '../../../src/sink/http/idempotency-key.js';
import { LineSplitter } from '../../../src/source/lines.js';

const text = Buffer.from(Array.from({ length: 12 }, (_, i) => `line ${i} "quoted"\n`).join(''));

function block(bytes: Buffer, base: number, idPrefix = 'dev1-ino7-fp'): SinkBatch {
  const { block } = new LineSplitter(500).split(bytes, base);
  return new SinkBatch(new BlockData(block, '/var/log/app/a.log', idPrefix, '2026-12-03T12:00:00.000Z'), () => undefined);
}

t.test('the same lines give the same key, whether read as one block or two', async (t) => {
  const cut = text.indexOf('line 5');
  const one = new PartsRequest([wholePart(block(text, 1000))]);
  const two = new PartsRequest([wholePart(block(text.subarray(0, cut), 1000)), wholePart(block(text.subarray(cut), 1000 + cut))]);
  t.equal(requestIdempotencyKey(two), requestIdempotencyKey(one));
  t.equal(requestIdempotencyKey(one), idempotencyKey(one.ids()), 'the lines path hashes what the ids path hashes');
  t.match(requestIdempotencyKey(one), /^[A-Za-z0-9_-]{43}$/, 'SHA-256, base64url');
  t.not(requestIdempotencyKey(new PartsRequest([wholePart(block(text, 1001))])), requestIdempotencyKey(one), 'other offsets, another key');
  t.not(
    requestIdempotencyKey(new PartsRequest([wholePart(block(text, 1000, 'dev1-ino8-fp'))])),
    requestIdempotencyKey(one),
    'another file, another key',
  );
});

t.test('ids: order, runs and odd ids are all part of the key', async (t) => {
  const keys = [['a:1', 'a:2'], ['a:2', 'a:1'], ['a:1', 'b:2'], ['a:1:2'], ['a:1'], ['a:1', 'a:1'], ['a'], ['a', 'a:-1'], []].map((ids) =>
    idempotencyKey(ids),
  );
  t.equal(new Set(keys).size, keys.length, 'no two of these sequences share a key');
  t.equal(idempotencyKey(['x:10', 'x:20', 'y:5']), idempotencyKey(['x:10', 'x:20', 'y:5']), 'deterministic');
});
