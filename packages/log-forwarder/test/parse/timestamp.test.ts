import t from 'tap';
import { checkTimestampFormat, timestampParser } from '../../src/parse/timestamp.js';

t.test('formats', async (t) => {
  t.equal(timestampParser('rfc3339')('2024-05-01T10:00:00.123456789Z'), '2024-05-01T10:00:00.123456789Z');
  t.equal(timestampParser('rfc3339')('yesterday'), undefined);
  t.equal(timestampParser('unix')(1700000000.5), '2023-11-14T22:13:20.500Z');
  t.equal(timestampParser('unix')('1700000000'), '2023-11-14T22:13:20.000Z');
  t.equal(timestampParser('unix_us')(1700000000123456), '2023-11-14T22:13:20.123Z');
  t.equal(timestampParser('unix_ns')('1700000000123456789'), '2023-11-14T22:13:20.123Z');
  t.equal(timestampParser('%Y-%m-%d %H:%M:%S.%f')('2024-02-29 23:59:58.250'), '2024-02-29T23:59:58.250Z');
  t.equal(timestampParser('%F %T %z')('2024-01-01 01:00:00 +01:00'), '2024-01-01T00:00:00.000Z');
  t.equal(timestampParser('%b %e %H:%M:%S')('Mar  5 07:08:09')?.slice(4), '-03-05T07:08:09.000Z');
  t.equal(timestampParser('%Y-%m-%d')('not a date'), undefined);
});

t.test('unpadded fields are accepted like glibc strptime; a time-only format gets today', async (t) => {
  t.equal(timestampParser('%Y-%m-%d %H:%M:%S')('2024-3-5 7:8:9'), '2024-03-05T07:08:09.000Z', 'H, M, S, m, d unpadded');
  t.equal(timestampParser('%F %T')('2024-03-05 7:08:9'), '2024-03-05T07:08:09.000Z', '%T unpadded');
  t.equal(timestampParser('%d/%m/%Y %H:%M')('05/03/2024 10:5'), '2024-03-05T10:05:00.000Z');
  const before = new Date().toISOString().slice(0, 10);
  const got = timestampParser('%H:%M:%S')('23:59:58');
  const after = new Date().toISOString().slice(0, 10);
  t.ok([before, after].includes(String(got?.slice(0, 10))), `time only → today (${got})`);
  t.equal(got?.slice(10), 'T23:59:58.000Z');
});

t.test('config check', async (t) => {
  t.equal(checkTimestampFormat('unix_ms'), undefined);
  t.equal(checkTimestampFormat('%Y-%m-%d'), undefined);
  t.match(checkTimestampFormat('%Q'), /unsupported directive %Q/);
  t.match(checkTimestampFormat('YYYY-MM-DD'), /must be rfc3339/);
});
