import t from 'tap';
import {
  ANY,
  compileWalker,
  formatPointer,
  getPath,
  MISSING,
  parsePointer,
  removeUnder,
  setPath,
  splitScope,
  withoutKey,
  withRenamedKey,
} from '../../src/pointer/index.js';

t.test('parses RFC 6901 pointers with the * extension', async (t) => {
  t.same(parsePointer(''), []);
  t.same(parsePointer('/a/b'), ['a', 'b']);
  t.same(parsePointer('/data/*/amount'), ['data', ANY, 'amount']);
  t.same(parsePointer('/a~1b/c~0d/~2'), ['a/b', 'c~d', '*']);
  t.same(parsePointer('/'), ['']);
  t.throws(() => parsePointer('a/b'), /must be empty or start with "\/"/);
  t.throws(() => parsePointer('/a~3'), /"~" not followed/);
  t.equal(formatPointer(parsePointer('/a~1b/*/~2/c~0')), '/a~1b/*/~2/c~0');
});

t.test('walkers visit every existing slot, expanding * over arrays only', async (t) => {
  const doc = { data: [{ a: 1 }, { b: 2 }, { a: 3 }], obj: { x: { a: 9 } } };
  const seen: unknown[] = [];
  compileWalker(parsePointer('/data/*/a'))({ v: doc }, (c, k) => seen.push((c as Record<string, unknown>)[k]));
  t.same(seen, [1, 3]);
  const none: unknown[] = [];
  compileWalker(parsePointer('/obj/*/a'))({ v: doc }, (_c, k) => none.push(k));
  t.same(none, [], '* does not expand objects');
  const idx: unknown[] = [];
  compileWalker(parsePointer('/data/1/b'))({ v: doc }, (c, k) => idx.push((c as Record<string, unknown>)[k]));
  t.same(idx, [2], 'numeric segments index arrays');
  const root: unknown[] = [];
  compileWalker([])({ v: doc }, (_c, k) => root.push(k));
  t.same(root, ['v'], 'the empty pointer is the root slot of the box');
  const proto: unknown[] = [];
  compileWalker(parsePointer('/toString'))({ v: {} }, (_c, k) => proto.push(k));
  t.same(proto, [], 'inherited properties are not visited');
});

t.test('get, set and remove', async (t) => {
  const doc: Record<string, unknown> = { a: { b: 1 }, list: [1, 2] };
  t.equal(getPath(doc, ['a', 'b']), 1);
  t.equal(getPath(doc, ['a', 'c']), MISSING);
  t.equal(getPath(doc, ['list', '1']), 2);
  t.equal(getPath(doc, ['list', '01']), MISSING);
  t.ok(setPath(doc, ['x', 'y'], 5));
  t.same(doc.x, { y: 5 });
  t.notOk(setPath(doc, ['a', 'b', 'c'], 1), 'cannot set under a number');
  t.same(doc.a, { b: 1 }, 'nothing changed when set fails');
  const box = { v: { k: 1, gone: 2, z: 3 } as Record<string, unknown> };
  t.equal(removeUnder(box, 'v', ['gone']), 2);
  t.same(Object.keys(box.v), ['k', 'z']);
  t.equal(removeUnder(box, 'v', ['nope']), MISSING);
});

t.test('rebuilt objects keep key order and treat __proto__ as data', async (t) => {
  const o = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":2}');
  const renamed = withRenamedKey(o, 'a', 'z');
  t.same(Object.keys(renamed), ['z', '__proto__', 'b']);
  t.equal(JSON.stringify(renamed), '{"z":1,"__proto__":{"polluted":true},"b":2}');
  t.equal(Object.getPrototypeOf(renamed), Object.prototype, 'prototype not replaced');
  t.equal(JSON.stringify(withoutKey(o, 'b')), '{"a":1,"__proto__":{"polluted":true}}');
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('splitScope shares wildcards between pointers', async (t) => {
  t.same(splitScope([parsePointer('/data/*/a'), parsePointer('/data/*/b/c')]), {
    scope: ['data', ANY],
    tails: [['a'], ['b', 'c']],
  });
  t.same(splitScope([parsePointer('/a'), parsePointer('/b/c')]), { scope: [], tails: [['a'], ['b', 'c']] });
  t.match(splitScope([parsePointer('/x/*/a'), parsePointer('/y/*/a')]), { error: /share every segment/ });
  t.match(splitScope([parsePointer('/x/*'), parsePointer('/x/*/a')]), { error: /must name a key/ });
});
