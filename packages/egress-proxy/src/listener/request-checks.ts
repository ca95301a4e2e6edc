/**
 * RFC 9112 checks on a request Node's parser accepted: the version, `Host` (§3.2), the request
 * line's length (414), header names with `_`, `Expect`. Framing (CL+TE, duplicate or invalid
 * Content-Length, obs-fold) is Node's strict parser's job alone: it refuses those before any
 * handler runs, so nothing here repeats it. Pure: tested without sockets, and through one.
 */
import type { ErrorCode } from '../errors.js';

export interface RequestProblem {
  status: 400 | 414 | 417;
  code: ErrorCode;
  detail: string;
}

export interface RequestLimits {
  maxRequestLineBytes: number;
  underscoreHeaders: 'drop' | 'pass' | 'reject';
}

export interface RequestHead {
  method?: string | undefined;
  url?: string | undefined;
  httpVersionMajor: number;
  rawHeaders: readonly string[];
}

/** host, or [v6]; an optional port. No userinfo, path, list or whitespace. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;

export function requestProblem(req: RequestHead, limits: RequestLimits): RequestProblem | undefined {
  if (req.httpVersionMajor < 1) return bad('an HTTP/0.9 request line (no HTTP version) is not served');
  const lineBytes = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 10;
  if (lineBytes > limits.maxRequestLineBytes) {
    return {
      status: 414,
      code: 'OUTRIGGER_E_URI_TOO_LONG',
      detail: `the request line exceeds listener.max_request_line_bytes (${limits.maxRequestLineBytes})`,
    };
  }
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (host !== undefined) return bad('more than one Host header');
      host = raw[i + 1] as string;
      if (!HOST.test(host)) return bad(host === '' ? 'an empty Host header' : 'a malformed Host header (host[:port] only)');
    } else if (limits.underscoreHeaders === 'reject' && name.includes('_')) {
      return bad(`a header name with "_" (${name.slice(0, 64)})`);
    }
  }
  return undefined;
}

/** Whether an `Expect` value is exactly `100-continue` (the only expectation there is, RFC 9110 §10.1.1). */
export function isContinueExpectation(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === '100-continue';
}

export const expectationFailed: RequestProblem = {
  status: 417,
  code: 'OUTRIGGER_E_EXPECTATION_FAILED',
  detail: 'only "Expect: 100-continue" is supported',
};

function bad(detail: string): RequestProblem {
  return { status: 400, code: 'OUTRIGGER_E_BAD_REQUEST', detail };
}
