// The one tchar set (RFC 9110 §5.6.2) as a check for strings and a byte table for bytes; field values; flat header lists.
import t from 'tap';
import { firstValue, headerValue, isFieldValue, isToken, setValue, TOKEN_BYTES } from '../../src/http/fields.js';

t.test('isToken and TOKEN_BYTES accept exactly the tchars', async (t) => {
  const tchars = new Set("!#$%&'*+-.^_`|~".split(''));
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    const expected = /[0-9A-Za-z]/.test(c) || tchars.has(c);
    if (isToken(c) !== expected || (TOKEN_BYTES[b] === 1) !== expected)
      t.fail(`byte ${b}: expected ${expected ? 'a tchar' : 'not a tchar'}`);
  }
  t.ok(isToken("GET!#$%&'*+-.^_`|~"), 'a token of every special tchar');
  t.notOk(isToken(''), 'the empty string is not a token');
  t.notOk(isToken('a b'), 'no space in a token');
  t.notOk(isToken('a\u0100'), 'nothing past latin1');
  t.notOk(isToken('\u012d'), 'a character whose low byte is a tchar is not one');
});

t.test('isFieldValue: HTAB, SP, VCHAR and obs-text only', async (t) => {
  for (let c = 0; c < 0x180; c++) {
    const expected = c === 9 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
    if (isFieldValue(`a${String.fromCharCode(c)}b`) !== expected) t.fail(`character ${c}: expected ${expected}`);
  }
  t.ok(isFieldValue(''), 'an empty value is a value');
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
