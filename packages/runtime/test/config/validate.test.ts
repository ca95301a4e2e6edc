import { Type } from '@sinclair/typebox';
import t from 'tap';
import { type Schema, unsupportedKeywords, validate } from '../../src/config/validate.js';

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

const lines = (schema: unknown, value: unknown) => validate(schema as Schema, value).issues.map((i) => `${i.path}: ${i.message}`);

t.test('enum and literal unions, with numbers from ${VAR}', async (t) => {
  const s = Type.Object({
    mode: Type.Unsafe<string>({ type: 'string', enum: ['inbound', 'outbound'] }),
    status: Type.Union([Type.Literal(404), Type.Literal(410)], { default: 410 }),
  });
  t.same(lines(s, { mode: 'inbond' }), ['mode: must be one of inbound, outbound; got "inbond" (did you mean "inbound"?)']);
  t.same(validate(s as unknown as Schema, { mode: 'inbound', status: '404' }).value, { mode: 'inbound', status: 404 });
  t.same(lines(s, { mode: 'outbound', status: 400 }), ['status: must be one of 404, 410; got 400']);
});

t.test('oneOf: exactly one member; discriminated by type as for anyOf', async (t) => {
  const s = Type.Object({
    v: Type.Unsafe({
      oneOf: [
        { type: 'integer', minimum: 0 },
        { type: 'integer', maximum: 10 },
      ],
    }),
    sink: Type.Unsafe({
      oneOf: [
        { type: 'object', properties: { type: { const: 'a' } }, required: ['type'], additionalProperties: false },
        { type: 'object', properties: { type: { const: 'b' }, n: { type: 'integer' } }, required: ['type'], additionalProperties: false },
      ],
    }),
  });
  t.same(lines(s, { v: 20, sink: { type: 'b', n: 1 } }), []);
  t.same(lines(s, { v: 5, sink: { type: 'c' } }), [
    'v: must match exactly one alternative, but matches #1 (an integer) and #2 (an integer)',
    'sink.type: unknown type "c" (did you mean "a"?); expected one of a, b',
  ]);
});

t.test('allOf: intersected objects are one object; other members all apply', async (t) => {
  const s = Type.Object({
    both: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Integer({ default: 1 }) })], {
      unevaluatedProperties: false,
    }),
    n: Type.Unsafe({
      allOf: [
        { type: 'integer', minimum: 1 },
        { type: 'integer', multipleOf: 5 },
      ],
    }),
  });
  t.same(validate(s as unknown as Schema, { both: { a: 'x' }, n: 10 }).value, { both: { a: 'x', b: 1 }, n: 10 });
  t.same(lines(s, { both: { a: 'x', bb: 2 }, n: 7 }), ['both.bb: unknown key (did you mean "b"?)', 'n: must be a multiple of 5, got 7']);
  t.same(lines(s, { both: {}, n: 0 }), ['both.a: required', 'n: must be at least 1, got 0']);
});

t.test('$ref: Type.Ref, Type.Recursive and #/$defs pointers', async (t) => {
  const node = Type.Recursive((This) =>
    Type.Object({ name: Type.String({ minLength: 1 }), kids: Type.Array(This, { default: [] }) }, { additionalProperties: false }),
  );
  t.same(lines(Type.Object({ tree: node }), { tree: { name: 'a', kids: [{ name: 'b', kids: [{ name: '' }] }] } }), [
    'tree.kids[0].kids[0].name: must not be empty',
  ]);
  const defs = {
    $defs: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
    type: 'object',
    properties: { p: { $ref: '#/$defs/port' } },
  };
  t.same(lines(defs, { p: 0 }), ['p: must be at least 1, got 0']);
  const ref = Type.Object({ s: Type.Ref(Type.String({ $id: 'Name', minLength: 2 })) });
  t.throws(
    () => validate(ref as unknown as Schema, { s: 'a' }),
    /unresolved \$ref "Name"/,
    'a $ref to a schema outside the root is a programming error',
  );
});

t.test('not, if/then/else, multipleOf, const objects', async (t) => {
  const s = {
    type: 'object',
    properties: {
      name: { type: 'string', not: { const: 'default' } },
      port: { type: 'integer', if: { minimum: 1024 }, else: { const: 80 } },
      ratio: { type: 'number', multipleOf: 0.1 },
      fixed: { const: { a: 1 } },
    },
  };
  t.same(lines(s, { name: 'x', port: 8080, ratio: 0.3, fixed: { a: 1 } }), []);
  t.same(lines(s, { name: 'default', port: 81, ratio: 0.25, fixed: { a: 2 } }), [
    'name: must not be "default", got "default"',
    'port: must be 80, got 81',
    'ratio: must be a multiple of 0.1, got 0.25',
    'fixed: must be {"a":1}, got an object',
  ]);
});

t.test('pattern, patternProperties, propertyNames, dependentRequired', async (t) => {
  const s = {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[a-z]+$' },
      labels: { type: 'object', propertyNames: { type: 'string', pattern: '^[a-z_]+$' }, additionalProperties: { type: 'string' } },
      ports: { type: 'object', patternProperties: { '^[0-9]+$': { type: 'string' } }, additionalProperties: false },
      user: { type: 'string' },
      password_file: { type: 'string' },
    },
    dependentRequired: { user: ['password_file'] },
  };
  t.same(lines(s, { id: 'abc', labels: { app: 'x' }, ports: { 80: 'http' } }), []);
  t.same(lines(s, { id: 'A1', labels: { App: 'x' }, ports: { http: '80' }, user: 'u' }), [
    'id: must match ^[a-z]+$, got "A1"',
    'labels.App: not a valid key: must match ^[a-z_]+$, got "App"',
    'ports.http: unknown key',
    'password_file: required when user is set',
  ]);
});

t.test('tuples and contains', async (t) => {
  const s = Type.Object({ pair: Type.Tuple([Type.String(), Type.Integer()]) });
  t.same(lines(s, { pair: ['a', 1] }), []);
  t.same(lines(s, { pair: ['a', 'b', 3] }), [
    'pair[1]: must be an integer, got "b"',
    'pair[2]: unexpected item: at most 2 allowed',
    'pair: must have at most 2 items, got 3',
  ]);
  const c = { type: 'array', contains: { const: 'main' } };
  t.same(lines(c, ['x']), ['(root): must contain at least 1 item that is "main", got 0']);
});

t.test('unsupportedKeywords finds what the validator would ignore; unknown formats throw', async (t) => {
  t.same(unsupportedKeywords(schema), []);
  t.same(
    unsupportedKeywords({
      type: 'object',
      properties: { a: { type: 'string', format: 'uri' }, b: { type: 'RegExp' }, c: { dependentSchemas: {} } },
      items: [{ contentEncoding: 'base64' }],
    }),
    [
      '(root).properties.a: unknown format "uri"',
      '(root).properties.b: type "RegExp"',
      '(root).properties.c: keyword "dependentSchemas"',
      '(root).items[0]: keyword "contentEncoding"',
    ],
  );
  t.throws(() => validate({ type: 'string', format: 'uri' }, 'x'), /unknown format "uri"/);
  t.throws(() => validate({ type: 'RegExp' } as Schema, 'x'), /unsupported type "RegExp"/);
});

t.test('format file: a path to check later; never empty', async (t) => {
  const s = Type.Object({
    tls: Type.Object({ ca_file: Type.Optional(Type.String({ format: 'file' })) }),
    list: Type.Array(Type.String({ format: 'file' })),
  });
  const ok = validate(s as unknown as Schema, { tls: { ca_file: 'ca.pem' }, list: ['/a', 'b/c'] });
  t.same(ok.issues, []);
  t.same(ok.files, [
    { path: 'tls.ca_file', file: 'ca.pem' },
    { path: 'list[0]', file: '/a' },
    { path: 'list[1]', file: 'b/c' },
  ]);
  const bad = validate(s as unknown as Schema, { tls: { ca_file: ' ' }, list: [] });
  t.same(bad.issues, [{ path: 'tls.ca_file', message: 'must be a file path, got " "' }]);
  t.same(bad.files, []);
  // A file named only by a union member that did not match is not a file the sidecar reads.
  const u = Type.Object({ v: Type.Union([Type.Integer(), Type.String({ format: 'file' })]) });
  t.same(validate(u as unknown as Schema, { v: 3 }).files, []);
  t.same(validate(u as unknown as Schema, { v: 'x' }).files, [{ path: 'v', file: 'x' }]);
});

t.test('secrets are never echoed: secret key names and writeOnly', async (t) => {
  const s = Type.Object({
    password: Type.Optional(Type.String({ minLength: 12 })),
    api_token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]+$' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^[^\\r\\n]*$' }))),
    pin: Type.Optional(Type.Integer({ minimum: 1000, writeOnly: true })),
    opaque: Type.Optional(Type.Object({ value: Type.String({ format: 'http-url' }) }, { writeOnly: true })),
    level: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
    token_file: Type.Optional(Type.String({ minLength: 3 })),
    endpoint: Type.Optional(Type.String({ format: 'host-port' })),
  });
  const found = lines(s, {
    password: 'hunter2',
    api_token: 'abc-123!',
    headers: { Authorization: 'Bearer s3cr3t\n', 'X-Api-Key': 'k3y\r', Accept: 'x\n' },
    pin: 12,
    opaque: { value: 'nope' },
    token_file: 'ab',
    endpoint: 'https://user:pa55@host/x?sig=abc',
  });
  t.same(found, [
    'password: must be at least 12 characters, got a string of 7 characters',
    'api_token: must match ^[A-Za-z0-9]+$, got a string of 8 characters',
    'headers.Authorization: must match ^[^\\r\\n]*$, got a string of 14 characters',
    'headers.X-Api-Key: must match ^[^\\r\\n]*$, got a string of 4 characters',
    'headers.Accept: must match ^[^\\r\\n]*$, got "x\\n"',
    'pin: must be at least 1000, got a number',
    'opaque.value: must be an http(s) URL, got a string of 4 characters',
    'token_file: must be at least 3 characters, got "ab"',
    'endpoint: must be host:port (e.g. 127.0.0.1:4140), got "https://[redacted]@host/x?sig=[redacted]"',
  ]);
  for (const secret of ['hunter2', 'abc-123', 's3cr3t', 'k3y', 'pa55', 'sig=abc']) t.notOk(found.join('\n').includes(secret), secret);
});
