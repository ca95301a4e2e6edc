import t from 'tap';
import { decide, identify } from '../../src/source/identity.js';

const content = Buffer.from('2024-01-01 first line of the file\nsecond\n');
const known = identify(1, 42, content.subarray(0, 20));

t.test('same device, inode and first bytes, size ≥ offset → continue at the offset', async (t) => {
  t.same(decide(known, 30, { dev: 1, ino: 42, size: content.length, head: content.subarray(0, 20) }), { kind: 'same', offset: 30 });
});

t.test('rename keeps dev+inode: found under its new name it is the same file', async (t) => {
  t.equal(decide(known, 10, { dev: 1, ino: 42, size: 100, head: content.subarray(0, 20) }).kind, 'same');
});

t.test('size below the offset (truncated in place, copytruncate) → from 0', async (t) => {
  t.same(decide(known, 30, { dev: 1, ino: 42, size: 25, head: content.subarray(0, 20) }), { kind: 'truncated', offset: 0 });
});

t.test('truncated then rewritten past the offset: first bytes differ → from 0', async (t) => {
  const other = Buffer.from('XXXX-01-01 rewritten content.......');
  t.equal(decide(known, 30, { dev: 1, ino: 42, size: 500, head: other.subarray(0, 20) }).offset, 0);
});

t.test('inode reuse: a smaller new file with the same inode → from 0', async (t) => {
  const small = Buffer.from('tiny\n');
  t.same(decide(known, 30, { dev: 1, ino: 42, size: 5, head: small }), { kind: 'truncated', offset: 0 });
  const big = Buffer.from('another file entirely, longer than before');
  t.same(decide(known, 30, { dev: 1, ino: 42, size: big.length, head: big.subarray(0, 20) }), { kind: 'different', offset: 0 });
});

t.test('another inode or device → different', async (t) => {
  t.equal(decide(known, 30, { dev: 1, ino: 43, size: 100, head: content.subarray(0, 20) }).kind, 'different');
  t.equal(decide(known, 30, { dev: 2, ino: 42, size: 100, head: content.subarray(0, 20) }).kind, 'different');
});

t.test('a fingerprint of an empty file matches any content (size decides)', async (t) => {
  const empty = identify(1, 5, Buffer.alloc(0));
  t.equal(decide(empty, 0, { dev: 1, ino: 5, size: 10, head: Buffer.alloc(0) }).kind, 'same');
});
