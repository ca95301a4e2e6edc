import { Type } from '@sinclair/typebox';
import t from 'tap';
import { type Schema, validate } from '../../src/config/validate.js';

const sink = Type.Union([
  Type.Object({ type: Type.Literal('loki'), endpoint: Type.String({ format: 'http-url' }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('file'), path: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
]);
const schema = Type.Object(
  {
    sinks: Type.Record(Type.String(), sink),
    batch_max_events: Type.Integer({ minimum: 1, default: 500 }),
    compress: Type.Boolean({ default: false }),
    level: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
    tags: Type.Optional(Type.Array(Type.String(), { maxItems: 2, uniqueItems: true })),
    nested: Type.Object(
      { listen: Type.String({ format: 'host-port', default: '127.0.0.1:1' }) },
      { default: {}, additionalProperties: false },
    ),
    pattern: Type.Optional(Type.String({ format: 'regex' })),
  },
  { additionalProperties: false },
) as unknown as Schema;

t.test('defaults and coercion', async (t) => {
  const { value, issues } = validate(schema, { sinks: {}, batch_max_events: '42', compress: 'true' });
  t.same(issues, []);
  t.same(value, { sinks: {}, batch_max_events: 42, compress: true, level: 'info', nested: { listen: '127.0.0.1:1' } });
});

t.test('every problem, each with its path and what was found', async (t) => {
  const { issues } = validate(schema, {
    sinks: {
      loki: { type: 'loki', endpoint: 'loki:3100' },
      typo: { type: 'lokki', endpoint: 'http://x' },
      disk: { type: 'file', pth: '/tmp/x' },
    },
    batch_max_event: 3,
    compress: 'yes',
    level: 'dbug',
    tags: ['a', 'a', 'b'],
    nested: { listen: 'localhost' },
    pattern: '(',
  });
  const lines = issues.map((i) => `${i.path}: ${i.message}`);
  t.same(lines, [
    'sinks.loki.endpoint: must be an http(s) URL, got "loki:3100"',
    'sinks.typo.type: unknown type "lokki" (did you mean "loki"?); expected one of loki, file',
    'sinks.disk.pth: unknown key (did you mean "path"?)',
    'sinks.disk.path: required',
    'batch_max_event: unknown key (did you mean "batch_max_events"?)',
    'compress: must be true or false, got "yes"',
    'level: must be one of info, debug; got "dbug" (did you mean "debug"?)',
    'tags: must have at most 2 items, got 3',
    'tags[1]: duplicate of an earlier item: "a"',
    'nested.listen: must be host:port (e.g. 127.0.0.1:4140), got "localhost"',
    'pattern: must be a valid regular expression, got "(" (Invalid regular expression: /(/: Unterminated group)',
  ]);
});

t.test('types and ranges', async (t) => {
  const { issues } = validate(schema, { sinks: [], batch_max_events: 0 });
  t.same(
    issues.map((i) => `${i.path}: ${i.message}`),
    ['sinks: must be an object, got a list', 'batch_max_events: must be at least 1, got 0'],
  );
  const missing = validate(schema, {}).issues;
  t.same(missing, [{ path: 'sinks', message: 'required' }]);
  const frac = validate(schema, { sinks: {}, batch_max_events: 1.5 }).issues;
  t.same(frac, [{ path: 'batch_max_events', message: 'must be an integer, got 1.5' }]);
  const noType = validate(schema, { sinks: { a: {} } }).issues;
  t.same(noType, [{ path: 'sinks.a.type', message: 'required: one of loki, file' }]);
});

t.test('general unions report the member that fits', async (t) => {
  const s = Type.Object({ v: Type.Union([Type.String({ minLength: 2 }), Type.Integer({ minimum: 5 })]) }) as unknown as Schema;
  t.same(validate(s, { v: 7 }).issues, []);
  t.same(validate(s, { v: 'a' }).issues, [{ path: 'v', message: 'must be at least 2 characters, got "a"' }]);
  t.same(validate(s, { v: 2 }).issues, [{ path: 'v', message: 'must be at least 5, got 2' }]);
  t.same(validate(s, { v: true }).issues, [{ path: 'v', message: 'must be a string or an integer, got true' }]);
});
