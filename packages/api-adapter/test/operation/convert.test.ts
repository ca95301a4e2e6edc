import t from 'tap';
import { fixedDecimal, shiftDecimal, toDecimal } from '../../src/operation/convert.js';
import { bodyOp, bodyOpIssues, down, up } from '../fixtures/compile.js';

t.test('exact decimal helpers', async (t) => {
  t.equal(toDecimal('12.340'), '12.34');
  t.equal(toDecimal('-0.0'), '0');
  t.equal(toDecimal('1e-7'), '0.0000001');
  t.equal(toDecimal('1.5e3'), '1500');
  t.equal(toDecimal('007'), '7');
  t.equal(toDecimal('abc'), undefined);
  t.equal(shiftDecimal('12.34', 2), '1234');
  t.equal(shiftDecimal('5', -2), '0.05');
  t.equal(fixedDecimal('1.005', 2), '1.01', 'half away from zero, no float error');
  t.equal(fixedDecimal('-2.345', 2), '-2.35');
  t.equal(fixedDecimal('9.999', 2), '10.00');
  t.equal(fixedDecimal('-0.001', 2), '0.00');
});

t.test('decimal strings to integer cents and back, exactly', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/data/*/amount', from: 'decimal_string', to: 'integer_cents' });
  const newer = up(op, { data: [{ amount: '12.34' }, { amount: '0.10' }, { amount: '1.005' }, { amount: null }, { amount: 'n/a' }] });
  t.same(newer, { data: [{ amount: 1234 }, { amount: 10 }, { amount: 101 }, { amount: null }, { amount: 'n/a' }] });
  t.same(down(op, { data: [{ amount: 1234 }, { amount: 10 }, { amount: -5 }] }), {
    data: [{ amount: '12.34' }, { amount: '0.10' }, { amount: '-0.05' }],
  });
  t.equal(
    up(op, { data: [{ amount: '0.29' }] }) && (up(op, { data: [{ amount: '0.29' }] }) as { data: { amount: number }[] }).data[0]?.amount,
    29,
    '0.29 is not 28.999…',
  );
});

t.test('the fast exact path agrees with the general one at its edges', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/a/*', from: 'decimal_string', to: 'integer_cents' });
  const values = ['0', '-0.00', '007.5', '-12.3', '1.005', ' 2.50 ', '1e2', '123456789012345.67', '99999999999999.99', '12.345'];
  t.same(up(op, { a: values }), { a: [0, 0, 750, -1230, 101, 250, 10000, Number('12345678901234567'), Number('9999999999999999'), 1235] });
  t.same(down(op, { a: [0, -1, 7, 100, -1230, Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5] }), {
    a: ['0.00', '-0.01', '0.07', '1.00', '-12.30', '90071992547409.91', '11529215046068469.76', 1.5],
  });
  const minor = bodyOp({ type: 'convert', path: '/v', from: 'integer_minor', to: 'decimal_string', decimals: 0 });
  t.same(up(minor, { v: 42 }), { v: '42' });
  t.same(down(minor, { v: '42.5' }), { v: 43 });
});

t.test('number and string', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/n', from: 'number', to: 'string' });
  t.same(up(op, { n: 0.1 }), { n: '0.1' });
  t.same(up(op, { n: 1e21 }), { n: '1000000000000000000000' });
  t.same(down(op, { n: '42.5' }), { n: 42.5 });
  t.same(down(op, { n: 'x' }), { n: 'x' }, 'non-numeric strings are left alone');
});

t.test('integer_minor with decimals', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/v', from: 'number', to: 'integer_minor', decimals: 3 });
  t.same(up(op, { v: 1.2345 }), { v: 1235 });
  t.same(down(op, { v: 1235 }), { v: 1.235 });
});

t.test('time formats', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/at', from: 'unix_seconds', to: 'iso8601' });
  t.same(up(op, { at: 1700000000 }), { at: '2023-11-14T22:13:20Z' });
  t.same(down(op, { at: '2023-11-14T22:13:20Z' }), { at: 1700000000 });
  t.same(down(op, { at: '2023-11-14T22:13:20.999+00:00' }), { at: 1700000000 }, 'seconds floor the millis');
  t.same(down(op, { at: 'yesterday' }), { at: 'yesterday' });
  const d = bodyOp({ type: 'convert', path: '/d', from: 'date', to: 'unix_ms' });
  t.same(up(d, { d: '2024-02-29' }), { d: Date.UTC(2024, 1, 29) });
  t.same(down(d, { d: Date.UTC(2024, 1, 29, 13) }), { d: '2024-02-29' });
  const ms = bodyOp({ type: 'convert', path: '/t', from: 'iso8601', to: 'unix_ms' });
  t.same(down(ms, { t: 1700000000123 }), { t: '2023-11-14T22:13:20.123Z' });
});

t.test('unit scale', async (t) => {
  const op = bodyOp({ type: 'convert', path: '/timeout', scale: 1000 });
  t.same(up(op, { timeout: 1.1 }), { timeout: 1100 }, 'exact for powers of ten');
  t.same(down(op, { timeout: 1500 }), { timeout: 1.5 });
  const min = bodyOp({ type: 'convert', path: '/m', scale: 60 });
  t.same(up(min, { m: 0.1 }), { m: 6 });
  t.same(down(min, { m: 90 }), { m: 1.5 });
});

t.test('config problems', async (t) => {
  t.match(bodyOpIssues({ type: 'convert', path: '/x', from: 'number', to: 'iso8601' }), [
    { path: 'op.to', message: /cannot convert number/ },
  ]);
  t.match(bodyOpIssues({ type: 'convert', path: '/x', from: 'numbr', to: 'string' }), [{ path: 'op.from', message: /must be one of/ }]);
  t.match(bodyOpIssues({ type: 'convert', path: '/x', scale: 10, from: 'number' }), [{ path: 'op.scale' }]);
  t.match(bodyOpIssues({ type: 'convert', path: '/x', scale: -1 }), [{ path: 'op.scale', message: /positive/ }]);
});
