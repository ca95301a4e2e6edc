/**
 * Which values are secrets, and how they are kept out of logs and error messages. One rule for
 * both: the config validator's messages (`got a string of 12 characters`) and the logger's
 * redaction (`"authorization":"[redacted]"`).
 */

export const censor = '[redacted]';

/**
 * Words that make a key a secret wherever they appear in it, compared without case and without
 * `_`, `-` and `.` (`Authorization`, `proxy-authorization`, `X-Api-Key`, `client_secret`,
 * `set-cookie`, `csrfToken` all match).
 */
const secretWords = /password|passwd|passphrase|secret|token|cookie|authorization|credential|apikey|privatekey|accesskey|signature/;
/** Whole keys that are secrets only on their own (`auth` yes, `author` no). */
const secretKeys = new Set(['auth', 'pwd', 'bearer', 'sessionid']);
/** A key naming where a secret is (`token_file`, `password_env`) is not itself a secret. */
const reference = /(file|path|dir|env)$/;

const cache = new Map<string, boolean>();
const cacheLimit = 2000;

/** Whether a value under this key (an object key, a header name, a query parameter) is a secret. */
export function isSecretKey(key: string): boolean {
  let secret = cache.get(key);
  if (secret !== undefined) return secret;
  const word = key.toLowerCase().replace(/[-_.\s]/g, '');
  secret = (secretWords.test(word) || secretKeys.has(word)) && !reference.test(word);
  // Keys from the wire (header names, parameters) are unbounded; the cache must not be.
  if (cache.size < cacheLimit) cache.set(key, secret);
  return secret;
}

const userinfo = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/**
 * A URL safe to log or show: user and password replaced, and each query parameter's value
 * (`https://[redacted]@host/path?token=[redacted]&page=[redacted]`). The fragment is dropped.
 * Works on text that does not parse as a URL too (it is what a user wrote).
 */
export function redactUrl(url: string): string {
  let out = url.replace(userinfo, `$1${censor}@`);
  const hash = out.indexOf('#');
  if (hash !== -1) out = out.slice(0, hash);
  const query = out.indexOf('?');
  if (query === -1 || query === out.length - 1) return out;
  const params = out
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? (pair === '' ? '' : censor) : `${pair.slice(0, eq)}=${censor}`;
    });
  return `${out.slice(0, query)}?${params.join('&')}`;
}

/** Whether a string holds a URL with a user or password (`scheme://user:pass@host`). */
export function hasUserinfo(text: string): boolean {
  return text.includes('@') && userinfo.test(text);
}

/**
 * Deeper than this, an object is logged as `[too deep]`: a secret down there would otherwise be
 * printed unredacted, and a cycle would make pino fall back to its depth-limited serializer anyway.
 */
const maxDepth = 8;

/**
 * `value` with every secret replaced by `[redacted]` at any depth, and the credentials of URLs
 * (strings holding `scheme://user:pass@`, URL objects) removed. Returns the very same object when
 * there was nothing to redact, so a line without secrets costs one pass over its keys and no
 * copy. Errors stay errors (same prototype, message and stack), their `cause` included.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object') {
    return (typeof value === 'string' && hasUserinfo(value) ? value.replace(userinfo, `$1${censor}@`) : value) as T;
  }
  if (depth > maxDepth) return '[too deep]' as T;
  if (value instanceof URL) return (value.username || value.password ? redactUrl(value.href) : value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const clean = redactSecrets(item, depth + 1);
      if (clean !== item) {
        out ??= value.slice();
        out[i] = clean;
      }
    }
    return (out ?? value) as T;
  }
  // Buffers, Dates and the like serialize through toJSON, not through their keys.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    let clean: unknown;
    if (item === undefined || item === null) continue;
    if (isSecretKey(key)) clean = censor;
    else if (typeof item === 'object' || typeof item === 'string') clean = redactSecrets(item, depth + 1);
    else continue;
    if (clean !== item) {
      out ??= copyOf(value);
      out[key] = clean;
    }
  }
  if (value instanceof Error && value.cause !== null && typeof value.cause === 'object') {
    const cause = redactSecrets(value.cause, depth + 1);
    if (cause !== value.cause) {
      out ??= copyOf(value);
      Object.defineProperty(out, 'cause', { value: cause, configurable: true, writable: true, enumerable: false });
    }
  }
  return (out ?? value) as T;
}

function copyOf(value: object): Record<string, unknown> {
  if (value instanceof Error) {
    // Keep what the error serializer reads: the prototype (type), message, stack (an accessor
    // that only answers on the original), cause and the rest, enumerable or not as they were.
    const copy = Object.create(Object.getPrototypeOf(value));
    for (const key of Object.getOwnPropertyNames(value)) {
      const enumerable = Object.prototype.propertyIsEnumerable.call(value, key);
      Object.defineProperty(copy, key, { value: (value as never)[key], enumerable, writable: true, configurable: true });
    }
    return copy;
  }
  return { ...value };
}
