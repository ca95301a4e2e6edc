/** Stable error codes of the egress-proxy; `docs/errors.md` documents each one. */
export const errorCodes = {
  OUTRIGGER_E_NO_ROUTE: 'No route matched the request path or host: add a route or fix the URL the app calls (404, flag NR).',
  OUTRIGGER_E_NO_HEALTHY_UPSTREAM:
    'The cluster has no endpoint that is healthy and not ejected: check the upstream, its health check and DNS (503, flag UH).',
  OUTRIGGER_E_UPSTREAM_CONNECT:
    'Connecting to the upstream failed (refused, unreachable, TLS handshake or certificate rejected) on every try (502, flag UF).',
  OUTRIGGER_E_UPSTREAM_RESET: 'The upstream closed or reset the connection before a full response arrived (502, flag UR).',
  OUTRIGGER_E_UPSTREAM_TIMEOUT:
    'The route timeout or the last per-try timeout expired before the upstream answered: raise timeout_ms or fix the upstream (504, flag UT).',
  OUTRIGGER_E_OVERFLOW:
    'A circuit breaker of the cluster (max_connections, max_pending or max_requests) is full, so the request was refused at once (503, flag UO).',
  OUTRIGGER_E_RATE_LIMITED: "The route's local token-bucket rate limit is exhausted: slow down or raise rate_limit (429, flag RL).",
  OUTRIGGER_E_BAD_REQUEST:
    'The request is malformed (bad framing such as Content-Length with Transfer-Encoding, HTTP/0.9, a duplicate, empty or malformed Host, invalid headers): it was refused and the connection closed (400).',
  OUTRIGGER_E_URI_TOO_LONG: 'The request line exceeds listener.max_request_line_bytes (414).',
  OUTRIGGER_E_EXPECTATION_FAILED: 'The request carries an `Expect` other than `100-continue` (417).',
  OUTRIGGER_E_CLIENT_TIMEOUT:
    'The app stopped sending: its request headers or body did not arrive in time (408, flag DT); the upstream is not at fault.',
  OUTRIGGER_E_HEADERS_TOO_LARGE: 'The request headers exceed listener.max_header_bytes (431).',
  OUTRIGGER_E_BODY_TOO_LARGE: "The request body exceeds the route's or listener's max_body_bytes (413).",
  OUTRIGGER_E_CREDENTIALS:
    'The credentials file of a route cannot be read or is empty: requests on that route get 503 until the file is readable.',
  OUTRIGGER_E_DNS: 'Resolving the DNS name of a cluster failed; the last good addresses stay in use until an answer arrives.',
  OUTRIGGER_E_EGRESS_DENIED:
    'Forward-proxy mode: the egress policy (forward_proxy.allow / deny / connect_ports, metadata and link-local addresses) refused the target (403, flag ED); the log line says which rule.',
  OUTRIGGER_E_PROXY_AUTH:
    'Forward-proxy mode: Proxy-Authorization is missing or does not carry the token of forward_proxy.auth (407, flag PA).',
  OUTRIGGER_E_LISTEN: 'The data listener could not bind its address: check `listen` and that the port is free.',
} as const;

export type ErrorCode = keyof typeof errorCodes;
