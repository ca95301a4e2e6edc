// Field lines read from bytes, against the rules as a string-level reference states them.
import t from 'tap';
import { lineEnd, readFields } from '../../src/http/field-lines.js';

const fail = (detail: string) => new Error(detail);

function read(text: string, lower = false): string[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: string[] = [];
  readFields(bytes, 0, bytes.length, lower, out, fail);
  return out;
}

/** The same rules on strings: split at CRLF, then each line's name, colon and trimmed value. */
function reference(text: string, lower: boolean): string[] | 'refused' {
  const out: string[] = [];
  for (const line of text.split('\r\n')) {
    if (/[\r\n]/.test(line)) return 'refused';
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(line.slice(0, colon))) return 'refused';
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) return 'refused';
    const name = line.slice(0, colon);
    out.push(lower ? name.toLowerCase() : name, value);
  }
  return out;
}

t.test('names as sent or lower-cased, values trimmed, repeated names kept apart', async (t) => {
  const head = 'Content-Type:  text/plain \r\nX-Empty:\r\nx-a: 1\r\nX-A:\t2\t\r\nVia: 1.1 a, 1.1 b';
  t.same(read(head), ['Content-Type', 'text/plain', 'X-Empty', '', 'x-a', '1', 'X-A', '2', 'Via', '1.1 a, 1.1 b']);
  t.same(read(head, true), ['content-type', 'text/plain', 'x-empty', '', 'x-a', '1', 'x-a', '2', 'via', '1.1 a, 1.1 b']);
  // A name seen before comes from the table; its case as sent still decides.
  t.same(read('HOST: a\r\nhost: b\r\nHost: c'), ['HOST', 'a', 'host', 'b', 'Host', 'c']);
  t.same(read('HOST: a\r\nhost: b\r\nHost: c', true), ['host', 'a', 'host', 'b', 'host', 'c']);
  const long = `X-${'n'.repeat(100)}`;
  t.same(read(`${long}: v\r\n${long}: w`), [long, 'v', long, 'w'], 'names past the table length are made each time');
  t.same(read('x-obs: caf\xe9'), ['x-obs', 'caf\xe9'], 'obs-text in a value');
});

t.test('refused: obs-fold, bare CR or LF, a line without a name, bad name or value bytes', async (t) => {
  for (const [name, head, detail] of [
    ['obs-fold', 'X-A: 1\r\n b', /obs-fold/],
    ['obs-fold with a tab', 'X-A: 1\r\n\tb', /obs-fold/],
    ['bare LF in a value', 'X-A: 1\nX-B: 2', /bare CR or LF/],
    ['bare CR in a value', 'X-A: 1\rX-B: 2', /bare CR or LF/],
    ['bare LF in a name', 'X-A\nB: 2', /bare CR or LF/],
    ['no colon', 'X-A 1', /invalid field name/],
    ['no colon, the whole line', 'X-A', /without a name/],
    ['an empty name', ': v', /without a name/],
    ['whitespace before the colon', 'X-A : v', /invalid field name/],
    ['NUL in a value', 'X-A: a\x00b', /invalid field value/],
    ['DEL in a value', 'X-A: a\x7fb', /invalid field value/],
    ['a non-token name byte', 'X(A): v', /invalid field name/],
  ] as const) {
    t.throws(() => read(head), detail, name);
  }
});

t.test('lineEnd: the CR of the first CRLF, or the end; a bare CR or LF throws', async (t) => {
  const b = Buffer.from('GET / HTTP/1.1\r\nHost: x', 'latin1');
  t.equal(lineEnd(b, 0, b.length, fail), 14);
  t.equal(lineEnd(b, 16, b.length, fail), b.length);
  t.throws(() => lineEnd(Buffer.from('GET /\rx'), 0, 7, fail), /bare CR/);
  t.throws(() => lineEnd(Buffer.from('GET /\nx'), 0, 7, fail), /bare CR/);
});

t.test('random heads: accepted and refused exactly as the string rules say, same fields', async (t) => {
  // A small alphabet that hits every rule: separators, whitespace, CR/LF, control and 8-bit bytes.
  const alphabet = ['a', 'B', 'x', '-', ':', ' ', '\t', '\r', '\n', '\r\n', '\r\n', '\x00', '\x7f', '\xe9', '(', '_', '1'];
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let accepted = 0;
  for (let n = 0; n < 20000; n++) {
    // Plausible lines, then (half the time) one byte of the alphabet put somewhere.
    const pick = (chars: string) => chars[Math.floor(random() * chars.length)] as string;
    const lines: string[] = [];
    for (let l = 1 + Math.floor(random() * 3); l > 0; l--) {
      let line = '';
      for (let i = 1 + Math.floor(random() * 4); i > 0; i--) line += pick('aBx-_1');
      line += random() < 0.2 ? ' :' : ':';
      for (let i = Math.floor(random() * 5); i > 0; i--) line += pick('a \t\xe9x:');
      lines.push(line);
    }
    let text = lines.join('\r\n');
    if (random() < 0.5) {
      const at = Math.floor(random() * (text.length + 1));
      text = text.slice(0, at) + (alphabet[Math.floor(random() * alphabet.length)] as string) + text.slice(at);
    }
    // What a head's field lines can be: the head ends at its first CRLFCRLF, which is at `end`, so
    // the lines hold no CRLFCRLF and do not end in CR or CRLF.
    while (text.endsWith('\r') || text.endsWith('\r\n')) text = text.slice(0, -1);
    if (text === '' || text.includes('\r\n\r\n')) continue;
    for (const lower of [false, true]) {
      const want = reference(text, lower);
      let got: string[] | 'refused';
      try {
        got = read(text, lower);
      } catch {
        got = 'refused';
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        t.fail(`${JSON.stringify(text)} (lower ${lower}): ${JSON.stringify(got)} against ${JSON.stringify(want)}`);
        return;
      }
      if (want !== 'refused') accepted++;
    }
  }
  t.ok(accepted > 5000, `both outcomes exercised (${accepted} accepted)`);
});
