// Bytes held while waiting on a peer own their memory: no slice of Buffer's shared pool.
import t from 'tap';
import { heldCopy } from '../../src/http/held-copy.js';

t.test('a held copy is its bytes, in an ArrayBuffer of exactly their size', async (t) => {
  const source = Buffer.from('GET /half-a-head HTTP/1.1\r\nHost: a'); // a pooled slice
  t.ok(source.buffer.byteLength > source.length, 'the source is a slice of the shared pool');
  const copy = heldCopy(source.subarray(4));
  t.equal(copy.toString('latin1'), '/half-a-head HTTP/1.1\r\nHost: a');
  t.equal(copy.buffer.byteLength, copy.length, 'no slab behind it');
  t.equal(heldCopy(new Uint8Array(0)).length, 0);
});
