// The one tchar set (RFC 9110 §5.6.2) as a regex for strings and a byte table for the parsers; flat header lists.
import t from 'tap';
import { firstValue, headerValue, setValue, TOKEN, TOKEN_BYTES } from '../../src/http/fields.js';

t.test('TOKEN and TOKEN_BYTES accept exactly the tchars', async (t) => {
  const tchars = new Set("!#$%&'*+-.^_`|~".split(''));
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    const expected = /[0-9A-Za-z]/.test(c) || tchars.has(c);
    if (TOKEN.test(c) !== expected || (TOKEN_BYTES[b] === 1) !== expected)
      t.fail(`byte ${b}: expected ${expected ? 'a tchar' : 'not a tchar'}`);
  }
  t.ok(TOKEN.test("GET!#$%&'*+-.^_`|~"), 'a token of every special tchar');
  t.notOk(TOKEN.test(''), 'the empty string is not a token');
  t.notOk(TOKEN.test('a b'), 'no space in a token');
});

t.test('flat header lists: first value, joined values, set replaces the first and drops the rest', async (t) => {
  const raw = ['retry-after', '5', 'x-a', '1', 'retry-after', '9', 'x-a', '2'];
  t.equal(firstValue(raw, 'retry-after'), '5');
  t.equal(firstValue(raw, 'missing'), undefined);
  t.equal(firstValue(['x', 'retry-after', 'retry-after', '3'], 'retry-after'), '3', 'names only, never a value');
  t.equal(headerValue(['X-A', '1', 'x-a', '2'], 'x-a'), '1, 2');
  const out = [...raw];
  setValue(out, 'x-a', 'new');
  t.same(out, ['retry-after', '5', 'x-a', 'new', 'retry-after', '9']);
  setValue(out, 'x-b', 'b');
  t.same(out.slice(-2), ['x-b', 'b'], 'appended when absent');
});
