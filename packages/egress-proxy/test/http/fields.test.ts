// The one tchar set (RFC 9110 §5.6.2) as a regex for strings and a byte table for the parsers.
import t from 'tap';
import { TOKEN, TOKEN_BYTES } from '../../src/http/fields.js';

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
