/**
 * The api-adapter's config schema (its own top-level keys; the runtime adds `admin`, `log` and
 * `shutdown`). Operations are polymorphic blocks with a `type`, listed in the upgrade direction.
 */
import { TlsSchema } from '@outrigger/runtime';
import { type Static, type TProperties, Type } from '@sinclair/typebox';

const pointer = (description: string) => Type.String({ description: `${description} (JSON Pointer; "*" = every array element)` });
const headerName = (description: string) => Type.String({ minLength: 1, description });

const op = <T extends string, P extends TProperties>(type: T, description: string, props: P) =>
  Type.Object({ type: Type.Literal(type, { description }), ...props }, { additionalProperties: false, description });

// ---- body operations ----------------------------------------------------------------------

const bodyOps = [
  op('rename', 'A key is renamed in place.', {
    from: pointer('The key in the older version'),
    to: pointer('The key in the newer version (same parent object)'),
  }),
  op('move', 'A value moves to another place in the document.', {
    from: pointer('Where it is in the older version'),
    to: pointer('Where it is in the newer version'),
  }),
  op('remove', 'The newer version no longer has the field.', {
    path: pointer('The field that is removed'),
    default: Type.Optional(Type.Unknown({ description: 'Put back for older versions; without it they do not get the field' })),
  }),
  op('add', 'The newer version has a new field.', {
    path: pointer('The new field'),
    value: Type.Unknown({ description: 'The value the upgrade sets where the field is absent' }),
    on_downgrade: Type.Optional(
      Type.Union([Type.Literal('drop'), Type.Literal('keep')], {
        description: 'What older versions get: drop (default) removes the field; keep leaves it',
      }),
    ),
  }),
  op('map_values', 'Enum values are renamed (one-to-one).', {
    path: pointer('The values to map'),
    map: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
      description: 'Older value → newer value',
    }),
  }),
  op('convert', 'A value changes representation (number/string/decimal/minor units, time formats, or a unit scale).', {
    path: pointer('The values to convert'),
    from: Type.Optional(
      Type.String({
        description:
          'Format in the older version: number, string, decimal_string, integer_minor, integer_cents, unix_seconds, unix_ms, iso8601, date',
      }),
    ),
    to: Type.Optional(Type.String({ description: 'Format in the newer version (same family as `from`)' })),
    decimals: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 20, description: 'Decimals of decimal_string / integer_minor (default 2)' }),
    ),
    scale: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Instead of from/to: multiply by this on upgrade, divide on downgrade' }),
    ),
  }),
  op('wrap', 'A value gains an enclosing object in the newer version.', {
    path: pointer('The value to wrap ("" = the whole body)'),
    key: Type.String({ minLength: 1, description: 'The key of the enclosing object' }),
  }),
  op('unwrap', 'A value loses its enclosing object in the newer version.', {
    path: pointer('The wrapped value ("" = the whole body)'),
    key: Type.String({ minLength: 1, description: 'The key of the enclosing object' }),
  }),
  op('split', 'One string field becomes several.', {
    from: pointer('The field in the older version'),
    into: Type.Array(pointer('A field in the newer version'), { minItems: 2, description: 'The fields in the newer version, in order' }),
    separator: Type.String({ minLength: 1, description: 'Cut at this (the last part keeps the rest)' }),
  }),
  op('join', 'Several string fields become one.', {
    from: Type.Array(pointer('A field in the older version'), { minItems: 2, description: 'The fields in the older version, in order' }),
    into: pointer('The field in the newer version'),
    separator: Type.String({ minLength: 1, description: 'Put between the parts' }),
  }),
  op('script', 'Escape hatch: JavaScript expressions (up/down over `body`, `ctx`) or a file exporting up/down.', {
    up: Type.Optional(Type.String({ description: 'Expression giving the newer body from `body`' })),
    down: Type.Optional(Type.String({ description: 'Expression giving the older body from `body`' })),
    file: Type.Optional(
      Type.String({
        format: 'file',
        description: 'A CommonJS-style file exporting up(body, ctx) and down(body, ctx); relative to the config',
      }),
    ),
    timeout_ms: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 250,
      description:
        'Each call is cut off after this long; a call still running shortly after has its worker stopped (a guard against runaway code, not a latency target)',
    }),
  }),
];

const headerOps = [
  op('rename_header', 'A header is renamed.', {
    from: headerName('The header in the older version'),
    to: headerName('The header in the newer version'),
  }),
  op('set_header', 'The newer version carries a header (older versions do not).', {
    name: headerName('Header name'),
    value: Type.String({ description: 'Header value' }),
  }),
  op('remove_header', 'The newer version no longer carries a header.', {
    name: headerName('Header name'),
    default: Type.Optional(Type.String({ description: 'Set for older versions; without it they do not get the header' })),
  }),
];

const requestOps = [
  op('rewrite_path', 'The endpoint path changes; :params and a trailing * carry over.', {
    from: Type.String({ description: 'Path pattern in the older version, e.g. /customers/:id' }),
    to: Type.String({ description: 'Path pattern in the newer version' }),
  }),
  op('set_method', 'The endpoint takes another method.', {
    from: Type.String({ description: 'Method in the older version' }),
    to: Type.String({ description: 'Method in the newer version' }),
  }),
  ...headerOps,
  op('rename_query', 'A query parameter is renamed.', {
    from: Type.String({ minLength: 1, description: 'Name in the older version' }),
    to: Type.String({ minLength: 1, description: 'Name in the newer version' }),
  }),
  op('set_query', 'The newer version carries a query parameter.', {
    name: Type.String({ minLength: 1, description: 'Parameter name' }),
    value: Type.String({ description: 'Parameter value' }),
  }),
  op('remove_query', 'The newer version no longer takes a query parameter.', {
    name: Type.String({ minLength: 1, description: 'Parameter name' }),
    default: Type.Optional(Type.String({ description: 'Set for older versions' })),
  }),
];

const responseOps = [
  op('map_status', 'Status codes change (one-to-one).', {
    map: Type.Record(Type.String({ pattern: '^[1-5][0-9][0-9]$' }), Type.Integer({ minimum: 100, maximum: 599 }), {
      description: 'Older status → newer status, e.g. {"400": 422}',
    }),
  }),
  ...headerOps,
];

const bodyList = (description: string) =>
  Type.Array(Type.Union(bodyOps), { default: [], description: `${description}; listed in the upgrade direction` });

export const resourceSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The name changes use in `resource`, e.g. "customer"' }),
    match: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
        description: 'A discriminator: fields an object must have with these values, e.g. {object: customer}',
      }),
    ),
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Fields an object must have (any value), e.g. [id, email]' }),
    ),
  },
  { additionalProperties: false, description: 'A resource and how to recognise one in a JSON body (match and/or fields)' },
);

export const changeSchema = Type.Object(
  {
    description: Type.String({ minLength: 1, description: 'What changed, for the changelog' }),
    resource: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A resource from `resources`: body pointers are relative to each such object, wherever it appears in a body (endpoints default to everywhere)',
      }),
    ),
    endpoints: Type.Array(Type.String(), {
      default: [],
      description:
        'Where it applies: "METHOD /path/:param" ("*" for any method or one segment; a trailing * for any rest). Empty = everywhere',
    }),
    removed: Type.Optional(
      Type.Object(
        {
          status: Type.Union([Type.Literal(404), Type.Literal(410)], { default: 410, description: 'Answer for callers on the other side' }),
        },
        {
          additionalProperties: false,
          description: 'The endpoints were removed in this version: calls across it are answered with `status`',
        },
      ),
    ),
    request: Type.Array(Type.Union(requestOps), { default: [], description: 'Method, path, query and header changes of requests' }),
    response: Type.Array(Type.Union(responseOps), { default: [], description: 'Status and header changes of responses' }),
    body: bodyList('Changes to request bodies and success (< 400) response bodies'),
    request_body: bodyList('Changes to request bodies only (after `body`)'),
    response_body: bodyList('Changes to success response bodies only (after `body`)'),
    error_body: bodyList('Changes to error (>= 400) response bodies'),
  },
  { additionalProperties: false },
);

export const versionSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, description: 'Version name, e.g. "2024-06-01" or "2"' }),
    description: Type.Optional(Type.String({ description: 'A headline for the changelog' })),
    changes: Type.Array(changeSchema, { default: [], description: 'What changed from the version below this one' }),
  },
  { additionalProperties: false },
);

export const schema = Type.Object(
  {
    mode: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')], {
      default: 'inbound',
      description: 'inbound: in front of the app (adapter); outbound: between the app and an external service (ambassador)',
    }),
    listen: Type.Optional(
      Type.String({
        format: 'host-port',
        description: 'Where callers connect (host:port); default 0.0.0.0:8080 inbound, 127.0.0.1:8080 outbound',
      }),
    ),
    listen_beyond_loopback: Type.Boolean({
      default: false,
      description:
        "Outbound mode only: allow `listen` on an address other than loopback. Anyone who reaches it calls the external service with the pod's credentials",
    }),
    access_log: Type.Boolean({
      default: false,
      description: 'One JSON `access` log line per exchange: method, path without the query, status, duration',
    }),
    server: Type.Object(
      {
        headers_timeout_ms: Type.Integer({
          minimum: 1,
          default: 10_000,
          description: "Longest wait for a request's headers (answered 408)",
        }),
        request_timeout_ms: Type.Integer({
          minimum: 1,
          default: 300_000,
          description: 'Longest wait for a whole request, body included (answered 408); at least headers_timeout_ms',
        }),
        body_idle_timeout_ms: Type.Integer({
          minimum: 1,
          default: 30_000,
          description: 'Longest pause while receiving a request body (answered 408, connection closed)',
        }),
        keep_alive_timeout_ms: Type.Integer({
          minimum: 1,
          default: 5_000,
          description: 'An idle keep-alive connection is closed after this',
        }),
        max_connections: Type.Integer({
          minimum: 1,
          default: 4_096,
          description: 'Most caller connections at once; further ones are closed at once (counted)',
        }),
        max_header_bytes: Type.Integer({
          minimum: 1_024,
          maximum: 1_048_576,
          default: 16_384,
          description: 'Largest request line plus headers (answered 431)',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Limits of the listener callers connect to' },
    ),
    upstream: Type.Object(
      {
        url: Type.String({ format: 'http-url', description: 'The app (inbound) or the external service (outbound)' }),
        version: Type.String({ minLength: 1, description: 'The API version the upstream speaks' }),
        path_prefix: Type.String({ default: '', description: 'A path prefix the upstream expects, e.g. "/v2"' }),
        host_header: Type.Optional(
          Type.Union([Type.Literal('preserve'), Type.Literal('upstream')], {
            description: "Host sent upstream: the caller's (default inbound) or the upstream's (default outbound)",
          }),
        ),
        timeout_ms: Type.Integer({ minimum: 1, default: 30_000, description: 'Time to wait for the response headers' }),
        body_timeout_ms: Type.Integer({ minimum: 1, default: 30_000, description: 'Longest pause while receiving a body' }),
        connections: Type.Integer({ minimum: 1, default: 128, description: 'Most connections to the upstream' }),
        tls: Type.Optional(TlsSchema),
      },
      { additionalProperties: false, description: 'Where requests go after translation' },
    ),
    versioning: Type.Object(
      {
        header: Type.String({ default: 'api-version', description: 'Request header naming the caller\'s version ("" to disable)' }),
        path_prefix: Type.Optional(Type.String({ description: 'Version in the path, e.g. "/v{version}"; stripped before matching' })),
        default: Type.Optional(Type.String({ description: 'Version of callers that name none (default: the newest)' })),
        echo_header: Type.Boolean({ default: true, description: 'Send the served version back in the version header' }),
      },
      { default: {}, additionalProperties: false, description: 'How callers name their version' },
    ),
    resources: Type.Array(resourceSchema, {
      default: [],
      description: 'Resources that changes can target (the Stripe model): a change applies to every such object in a body',
    }),
    versions: Type.Array(versionSchema, { minItems: 1, description: 'Newest first; each lists what changed from the one below it' }),
    links: Type.Object(
      {
        body_fields: Type.Array(Type.String(), {
          default: [],
          description: 'JSON pointers of response fields holding URLs to rewrite between version path prefixes',
        }),
        endpoints: Type.Array(Type.String(), {
          default: [],
          description:
            'Routes whose JSON bodies carry `body_fields` ("METHOD /path"); empty = the routes a change applies to. Rewriting means parsing, so unlisted routes keep their bytes',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'URLs inside responses (Location, Content-Location and Link are always rewritten)',
      },
    ),
    body: Type.Object(
      {
        max_bytes: Type.Integer({
          minimum: 1,
          default: 10 * 1024 * 1024,
          description: 'Largest body buffered for transformation (decoded size)',
        }),
        max_buffered_bytes: Type.Integer({
          minimum: 1,
          default: 128 * 1024 * 1024,
          description: 'Most body bytes buffered by all exchanges together (raw and decoded); beyond it: 503 with Retry-After',
        }),
        on_too_large: Type.Union([Type.Literal('reject'), Type.Literal('pass_through')], {
          default: 'reject',
          description: 'reject: 413 (requests) / 502 (responses); pass_through: stream it untransformed',
        }),
        resource_max_depth: Type.Integer({
          minimum: 1,
          default: 64,
          description: 'Resource changes look for their objects this many levels deep at most (counted when reached)',
        }),
        resource_max_nodes: Type.Integer({
          minimum: 1,
          default: 1_000_000,
          description: 'Resource changes visit at most this many objects and arrays per body (counted when reached)',
        }),
        strict: Type.Boolean({
          default: false,
          description: 'Answer 502 when a matched upstream response is not valid JSON (default: pass it through)',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Buffered bodies' },
    ),
    adapter_errors: Type.Object(
      {
        body: Type.Unknown({
          default: { error: { code: '{code}', message: '{message}' } },
          description: 'JSON body of errors the adapter itself answers; "{code}", "{message}" and "{status}" are filled in',
        }),
        version: Type.Optional(
          Type.String({
            description:
              "The version whose error shape `body` is in (default: the newest); it is walked to the caller's version through `error_body` changes",
          }),
        ),
      },
      { default: {}, additionalProperties: false, description: "Errors the adapter answers itself, in the caller's error shape" },
    ),
    scripts: Type.Object(
      {
        workers: Type.Integer({ minimum: 1, maximum: 16, default: 1, description: 'Worker threads that run `script` operations' }),
        max_memory_mb: Type.Integer({
          minimum: 8,
          default: 64,
          description: 'Heap limit of each script worker; a worker past it is replaced (its call answered 502)',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Where `script` operations run (started only when the chain has one)' },
    ),
    golden: Type.Object(
      {
        dir: Type.String({
          default: 'golden',
          description: 'Directory of example exchanges for `api-adapter test`, relative to the config',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Golden tests' },
    ),
  },
  { additionalProperties: false },
);

export type AdapterConfig = Static<typeof schema>;
export type ChangeConfig = Static<typeof changeSchema>;
export type VersionConfig = Static<typeof versionSchema>;
