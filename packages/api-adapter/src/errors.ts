import { OutriggerError } from '@outrigger/runtime';

/**
 * The api-adapter's stable error codes. `docs/errors.md` has the same table; a test keeps them in
 * sync. Codes never change meaning; add new ones at the end.
 */
export const errorCodes = {
  OUTRIGGER_E_ADAPTER_CONFIG:
    'The version chain in the config cannot be compiled (bad pointer, unknown operation option, non-invertible mapping); fix the config path named in the message.',
  OUTRIGGER_E_ADAPTER_UNKNOWN_VERSION:
    'The caller asked for an API version the config does not list (answered 400); send one of the configured versions or none to get the default.',
  OUTRIGGER_E_ADAPTER_VERSION_CONFLICT:
    'The version in the path prefix and the version header disagree (answered 400); send only one or make them equal.',
  OUTRIGGER_E_ADAPTER_ENDPOINT_REMOVED:
    'The endpoint does not exist in the caller’s API version (answered with the configured 404/410); call its replacement named in the changelog.',
  OUTRIGGER_E_ADAPTER_MALFORMED_JSON:
    'A request to a route with body changes carried a JSON content type but invalid JSON (answered 400); fix the request body.',
  OUTRIGGER_E_ADAPTER_BODY_TOO_LARGE:
    'A body that needed transforming exceeded `body.max_bytes`: a request is answered 413 and a response 502, unless `body.on_too_large` is `pass_through`; raise the cap or send less.',
  OUTRIGGER_E_ADAPTER_SCRIPT_FAILED:
    'An escape-hatch script threw or ran past its `timeout_ms` (answered 502); fix the script named in the message.',
  OUTRIGGER_E_ADAPTER_UPSTREAM_MALFORMED_JSON:
    'The upstream answered invalid JSON on a route with body changes; passed through unchanged and counted, or answered 502 when `body.strict` is true.',
  OUTRIGGER_E_ADAPTER_UPSTREAM_UNAVAILABLE:
    'The upstream could not be reached or dropped the connection (answered 502); check that the app listens on `upstream.url`.',
  OUTRIGGER_E_ADAPTER_UPSTREAM_TIMEOUT:
    'The upstream did not answer within `upstream.timeout_ms` (answered 504); raise the timeout or fix the upstream.',
  OUTRIGGER_E_ADAPTER_BAD_ENCODING:
    'A body to transform used a Content-Encoding that could not be decoded (request answered 400; response passed through unchanged); check the sender.',
  OUTRIGGER_E_ADAPTER_GOLDEN:
    'A golden test case file for `api-adapter test` could not be read or is malformed; fix the file named in the message.',
  OUTRIGGER_E_ADAPTER_INTERNAL:
    'An unexpected error in the adapter failed one exchange (answered 502 and logged with its stack); the adapter keeps serving. Please report it.',
  OUTRIGGER_E_ADAPTER_BAD_REQUEST:
    "A request could not be parsed as HTTP/1.1 (answered 400 and the connection closed); logged with the parser's reason. Fix the client.",
  OUTRIGGER_E_ADAPTER_HEADERS_TOO_LARGE:
    'The request line and headers exceeded `server.max_header_bytes` (answered 431 and the connection closed); send fewer or smaller headers, or raise the limit.',
  OUTRIGGER_E_ADAPTER_CLIENT_TIMEOUT:
    'A caller was too slow: headers not complete within `server.headers_timeout_ms`, the request within `server.request_timeout_ms`, or a pause in its body over `server.body_idle_timeout_ms` (answered 408 and the connection closed).',
  OUTRIGGER_E_ADAPTER_BAD_PATH:
    'The request path is not usable: it climbs above the root with `..` segments or holds an encoded "/" or NUL in a way that cannot be normalised (answered 400).',
  OUTRIGGER_E_ADAPTER_OVERLOADED:
    'The bodies buffered by all exchanges together would exceed `body.max_buffered_bytes` (answered 503 with Retry-After, counted); retry later, or raise the budget.',
  OUTRIGGER_E_ADAPTER_LISTEN: 'The data listener could not bind `listen` (address in use, not permitted); choose another address.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** An error with a stable code; `status` is the HTTP status the adapter answers with. */
export class AdapterError extends OutriggerError {
  declare readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, status = 500, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AdapterError';
    this.status = status;
  }
}
