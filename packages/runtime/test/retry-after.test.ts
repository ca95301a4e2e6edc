import t from 'tap';
import { parseRetryAfter } from '../src/retry-after.js';

const now = Date.UTC(2026, 10, 26, 10, 0, 0);

t.test('delay-seconds', async (t) => {
  t.equal(parseRetryAfter('5'), 5000);
  t.equal(parseRetryAfter(' 3 '), 3000);
  t.equal(parseRetryAfter('0'), 0);
  t.equal(parseRetryAfter(['7', '9']), 7000, 'the first of a repeated header');
  t.equal(parseRetryAfter('-5'), 0, 'negative means now');
});

t.test('HTTP-date in its three forms (RFC 9110 §5.6.7)', async (t) => {
  t.equal(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', { now }), 30_000, 'IMF-fixdate');
  t.equal(parseRetryAfter('Thursday, 26-Nov-26 10:01:00 GMT', { now }), 60_000, 'RFC 850');
  t.equal(parseRetryAfter('Thu Nov 26 10:00:02 2026', { now }), 2000, 'asctime is UTC');
  t.equal(parseRetryAfter('Fri Nov  6 10:00:04 2026', { now: Date.UTC(2026, 10, 6, 10) }), 4000, 'asctime pads the day with a space');
  t.equal(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', { now }), 0, 'a date in the past means now');
});

t.test('garbage is undefined', async (t) => {
  for (const bad of [
    undefined,
    '',
    '  ',
    'soon',
    '1.5',
    '5 s',
    '1e3',
    'Thu, 31 Feb 2026 10:00:00 GMT',
    '26 Nov 2026 10:00:00',
    'Thu, 26 Nov 2026 10:00:00 +0000',
  ]) {
    t.equal(parseRetryAfter(bad, { now }), undefined, JSON.stringify(bad));
  }
  t.equal(parseRetryAfter([]), undefined);
});

t.test('maxMs clamps', async (t) => {
  t.equal(parseRetryAfter('999999', { maxMs: 600_000 }), 600_000);
  t.equal(parseRetryAfter('Fri, 26 Nov 2027 10:00:00 GMT', { now, maxMs: 1000 }), 1000);
  t.equal(parseRetryAfter('2', { maxMs: 600_000 }), 2000);
});
