/**
 * The egress-proxy's config keys (the runtime adds `admin`, `log` and `shutdown`).
 * Defaults follow Linkerd's frugal, safe choices: short connect timeouts, retries only for
 * idempotent methods, a retry budget, TLS verified, nothing about the pod leaked upstream.
 */
import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';

const headerNamePattern = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
const headerName = Type.String({ pattern: headerNamePattern, description: 'An HTTP header name.' });
const headerValue = Type.String({ pattern: '^[^\\r\\n\\x00]*$', description: 'A header value (no line breaks).' });

const HeaderOps = Type.Object(
  {
    set: Type.Record(Type.String({ pattern: headerNamePattern }), headerValue, {
      additionalProperties: false,
      default: {},
      description: 'Headers to set, replacing any value already present (names are case-insensitive).',
    }),
    add: Type.Record(Type.String({ pattern: headerNamePattern }), headerValue, {
      additionalProperties: false,
      default: {},
      description: 'Headers to add beside any value already present.',
    }),
    remove: Type.Array(headerName, { default: [], description: 'Headers to remove.' }),
  },
  { additionalProperties: false, default: {}, description: 'Header rewrites.' },
);

export const retryConditions = ['connect_failure', 'reset', 'timeout'] as const;

const Retry = Type.Object(
  {
    attempts: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 2,
      description: 'Retries after the first try (0 turns retries off).',
    }),
    per_try_timeout_ms: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Time one try may take until response headers arrive; the route timeout still bounds all tries.',
      }),
    ),
    on: Type.Array(Type.String({ pattern: '^(connect_failure|reset|timeout|[1-5][0-9][0-9])$' }), {
      default: ['connect_failure', 'reset', '503'],
      description:
        'What is retried: connect_failure, reset, timeout (per try; "504" covers it too) and upstream status codes such as "503".',
    }),
    methods: Type.Array(Type.String({ pattern: '^[A-Z]+$' }), {
      default: ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'],
      description: 'Methods that may be retried (RFC 9110 §9.2.2 idempotent methods by default).',
    }),
    backoff_base_ms: Type.Integer({ minimum: 0, default: 25, description: 'Base of the jittered exponential backoff.' }),
    backoff_max_ms: Type.Integer({ minimum: 0, default: 250, description: 'Cap of the backoff between tries.' }),
    max_retry_after_ms: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'An upstream Retry-After up to this long is honoured; a longer one ends the retries.',
    }),
    budget_percent: Type.Number({
      minimum: 0,
      maximum: 100,
      default: 20,
      description: 'Retries in flight may be at most this share of the active requests of the route...',
    }),
    min_retry_concurrency: Type.Integer({
      minimum: 0,
      default: 3,
      description: '...or this many, whichever is larger (the floor for quiet routes).',
    }),
    buffer_bytes: Type.Integer({
      minimum: 0,
      default: 65536,
      description: 'Request bodies up to this size are kept while streaming so a try can be replayed; larger ones are not retried.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Retry policy.' },
);

export const RouteSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'Route name (metrics and logs).' }),
    match: Type.Object(
      {
        path_prefix: Type.Optional(Type.String({ pattern: '^/', description: 'Path prefix, e.g. /payments/.' })),
        host: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'Host header to match (port ignored); `*.example.com` matches sub-domains.',
          }),
        ),
      },
      { additionalProperties: false, description: 'At least one of path_prefix and host.' },
    ),
    cluster: Type.String({ description: 'Name of the cluster (key of `clusters`) requests go to.' }),
    strip_prefix: Type.Boolean({ default: false, description: 'Remove match.path_prefix from the path.' }),
    prefix_rewrite: Type.Optional(Type.String({ pattern: '^/', description: 'Replace match.path_prefix with this prefix.' })),
    host_rewrite: Type.Optional(
      Type.String({
        pattern: '^[^\\s\\x00]+$',
        description: "Host header sent upstream. Default: the endpoint's host (the DNS name for dns clusters).",
      }),
    ),
    timeout_ms: Type.Integer({ minimum: 1, default: 15000, description: 'The whole request, all tries included.' }),
    retry: Retry,
    request_headers: HeaderOps,
    response_headers: HeaderOps,
    forwarded: Type.Union([Type.Literal('none'), Type.Literal('x-forwarded'), Type.Literal('forwarded'), Type.Literal('both')], {
      default: 'none',
      description:
        'Which client-address headers are sent upstream: none (default, nothing about the pod leaks), x-forwarded (X-Forwarded-For/-Proto/-Host), forwarded (RFC 7239) or both.',
    }),
    via: Type.Boolean({ default: true, description: 'Add `Via: 1.1 outrigger` to requests and responses.' }),
    credentials: Type.Optional(
      Type.Object(
        {
          header: headerName,
          file: Type.String({
            minLength: 1,
            format: 'file',
            description: 'File holding the secret (a mounted Secret); re-read when it changes.',
          }),
          format: Type.String({
            default: '{value}',
            pattern: '\\{value\\}',
            description: 'Header value; {value} is replaced by the trimmed file content, e.g. "Bearer {value}".',
          }),
        },
        {
          additionalProperties: false,
          description: "A header injected from a file; it replaces the app's own value.",
        },
      ),
    ),
    rate_limit: Type.Optional(
      Type.Object(
        {
          requests_per_second: Type.Number({ exclusiveMinimum: 0, description: 'Token refill rate.' }),
          burst: Type.Optional(Type.Integer({ minimum: 1, description: 'Bucket size (default: one second of tokens).' })),
        },
        { additionalProperties: false, description: 'Local token-bucket rate limit; over it → 429.' },
      ),
    ),
    max_body_bytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Request bodies larger than this get 413.' })),
    upgrade_idle_timeout_ms: Type.Integer({
      minimum: 1,
      default: 300000,
      description: 'An upgraded connection (WebSocket) without a byte either way for this long is closed, both sides.',
    }),
  },
  { additionalProperties: false },
);

export const ClusterSchema = Type.Object(
  {
    endpoints: Type.Optional(
      Type.Array(Type.String({ format: 'http-url' }), {
        minItems: 1,
        description: 'Static endpoints: http(s)://host:port.',
      }),
    ),
    dns: Type.Optional(
      Type.Object(
        {
          name: Type.String({ format: 'host-port', description: 'host:port resolved to every address.' }),
          scheme: Type.Union([Type.Literal('http'), Type.Literal('https')], {
            default: 'http',
            description: 'Scheme of the endpoints made from the addresses (https: TLS origination).',
          }),
          refresh_ms: Type.Integer({ minimum: 100, default: 5000, description: 'Re-resolution interval.' }),
        },
        { additionalProperties: false, description: 'DNS-discovered endpoints (like a headless Service).' },
      ),
    ),
    lb: Type.Union([Type.Literal('round_robin'), Type.Literal('least_request'), Type.Literal('random')], {
      default: 'least_request',
      description: 'Load balancer.',
    }),
    tls: Type.Optional(TlsSchema),
    connect_timeout_ms: Type.Integer({ minimum: 1, default: 2000, description: 'TCP + TLS connect timeout.' }),
    replay_buffer_limit_bytes: Type.Integer({
      minimum: 0,
      default: 16777216,
      description:
        "Request-body bytes kept for replay, summed over the cluster's requests in flight; over it a body is streamed without a copy and not retried.",
    }),
    idle_timeout_ms: Type.Integer({
      minimum: 1,
      default: 4000,
      description: "Keep-alive idle time of pooled connections; kept below an upstream's `Keep-Alive: timeout` when it sends one.",
    }),
    health_check: Type.Optional(
      Type.Object(
        {
          path: Type.String({ pattern: '^/', description: 'Path probed with GET; 2xx is healthy.' }),
          interval_ms: Type.Integer({ minimum: 50, default: 5000, description: 'Time between probes of an endpoint.' }),
          timeout_ms: Type.Integer({ minimum: 1, default: 1000, description: 'A probe without an answer within this fails.' }),
          unhealthy_threshold: Type.Integer({
            minimum: 1,
            default: 3,
            description: 'Failed probes in a row that mark an endpoint unhealthy.',
          }),
          healthy_threshold: Type.Integer({
            minimum: 1,
            default: 2,
            description: 'Passed probes in a row that mark an unhealthy endpoint healthy again.',
          }),
        },
        { additionalProperties: false, description: 'Active HTTP health checks.' },
      ),
    ),
    outlier_detection: Type.Object(
      {
        consecutive_5xx: Type.Integer({ minimum: 1, default: 5, description: '5xx answers in a row that eject.' }),
        consecutive_connect_failures: Type.Integer({
          minimum: 1,
          default: 2,
          description: 'Connect failures or resets in a row that eject.',
        }),
        base_ejection_ms: Type.Integer({
          minimum: 1,
          default: 30000,
          description: 'First ejection time; each further ejection adds this much again.',
        }),
        max_ejection_ms: Type.Integer({
          minimum: 1,
          default: 300000,
          description: 'Longest ejection, however often an endpoint was ejected.',
        }),
        max_ejection_percent: Type.Integer({
          minimum: 0,
          maximum: 100,
          default: 50,
          description: 'At most this share of endpoints is ejected (at least one endpoint always stays).',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Passive outlier ejection.' },
    ),
    circuit_breaker: Type.Object(
      {
        max_connections: Type.Integer({ minimum: 1, default: 1024, description: 'Connections per endpoint.' }),
        max_pending: Type.Integer({
          minimum: 0,
          default: 1024,
          description:
            'Requests waiting for a connection in the cluster (besides those on a connection); one more → 503 at once. With max_connections: 1 and max_pending: 50, 1 request runs, 50 wait and the 52nd is refused.',
        }),
        max_requests: Type.Integer({ minimum: 1, default: 1024, description: 'Requests in flight in the cluster.' }),
      },
      { additionalProperties: false, default: {}, description: 'Circuit breakers (overflow → 503, flag UO).' },
    ),
  },
  { additionalProperties: false },
);

export const ListenerSchema = Type.Object(
  {
    max_header_bytes: Type.Integer({ minimum: 1024, default: 16384, description: 'Request header limit (→ 431).' }),
    max_request_line_bytes: Type.Integer({
      minimum: 64,
      default: 8192,
      description: 'Request line limit (→ 414); a line longer than max_header_bytes is 414 too.',
    }),
    underscore_headers: Type.Union([Type.Literal('drop'), Type.Literal('pass'), Type.Literal('reject')], {
      default: 'drop',
      description:
        'Header names with `_`: drop (default, as nginx), pass them on, or reject the request (400). Some backends read `Transfer_Encoding` as `Transfer-Encoding`.',
    }),
    max_body_bytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Request body limit (→ 413).' })),
    max_connections: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'App connections open at once; one more is closed at once and counted (listener_refused_connections_total).',
      }),
    ),
    headers_timeout_ms: Type.Integer({
      minimum: 1,
      default: 10000,
      description: 'Time a client may take to send the request headers.',
    }),
    keep_alive_timeout_ms: Type.Integer({ minimum: 1, default: 60000, description: 'Idle time of app connections.' }),
    request_id_header: Type.String({ default: 'x-request-id', description: 'Request id header, passed on or generated.' }),
    access_log: Type.Boolean({ default: true, description: 'One JSON log line per request.' }),
  },
  { additionalProperties: false, default: {}, description: 'The data listener.' },
);

const policyRule = Type.String({
  minLength: 1,
  description: 'A host (api.github.com), *.suffix (*.stripe.com), IP or CIDR (203.0.113.0/24), optionally with :port.',
});

export const ForwardProxySchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Serve absolute-form requests, CONNECT and their upgrades (HTTP_PROXY / HTTPS_PROXY).',
    }),
    allow: Type.Optional(
      Type.Array(policyRule, {
        description: 'Allowed targets; when present, everything else is denied. Absent: all but deny and metadata.',
      }),
    ),
    deny: Type.Array(policyRule, { default: [], description: 'Denied targets; deny wins over allow.' }),
    connect_ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
      default: [443],
      description: 'Ports CONNECT may reach (others → 403).',
    }),
    connect_timeout_ms: Type.Integer({ minimum: 1, default: 5000, description: 'TCP connect (and DNS) timeout to a target.' }),
    timeout_ms: Type.Integer({ minimum: 1, default: 30000, description: 'An absolute-form request until its response headers.' }),
    idle_timeout_ms: Type.Integer({
      minimum: 1,
      default: 300000,
      description: 'A tunnel (CONNECT, upgrade) or a response body without a byte either way for this long is closed.',
    }),
    resolver: Type.Object(
      {
        hosts: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), {
          default: {},
          description: 'Names pinned to addresses (checked first).',
        }),
        dns_servers: Type.Optional(
          Type.Array(Type.String({ minLength: 1 }), {
            minItems: 1,
            description: 'DNS servers (ip or ip:port); default: the system resolver.',
          }),
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'How targets are resolved; the addresses checked are the ones connected to.',
      },
    ),
    auth: Type.Optional(
      Type.Object(
        {
          token_file: Type.String({
            minLength: 1,
            format: 'file',
            description: 'File holding the token the app sends as Proxy-Authorization (Bearer, or Basic password); never sent upstream.',
          }),
        },
        { additionalProperties: false, description: 'Proxy authentication (407 without the token).' },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Forward-proxy mode and its egress policy.' },
);

export const schema = Type.Object(
  {
    listen: Type.String({
      format: 'host-port',
      default: '127.0.0.1:4140',
      description: 'Where the app sends its calls (host:port).',
    }),
    listener: ListenerSchema,
    forward_proxy: ForwardProxySchema,
    routes: Type.Array(RouteSchema, { default: [], description: 'Routes, first match wins (none: forward-proxy mode only).' }),
    clusters: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }), ClusterSchema, {
      default: {},
      description: 'Upstream clusters by name.',
    }),
  },
  { additionalProperties: false },
);

export type ProxyConfig = Static<typeof schema>;
export type RouteConfig = Static<typeof RouteSchema>;
export type ClusterConfig = Static<typeof ClusterSchema>;
export type ListenerConfig = Static<typeof ListenerSchema>;
export type ForwardProxyConfig = Static<typeof ForwardProxySchema>;
export type HeaderOpsConfig = RouteConfig['request_headers'];
export type RetryConfig = RouteConfig['retry'];
