/**
 * Content-Encoding of transformed bodies: gzip, deflate and br are decoded before parsing and the
 * result is encoded the same way again. Decoding is capped (`maxOutputLength`) so that a small
 * compressed body cannot expand into unbounded memory.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const deflate = promisify(zlib.deflate);
const brotliDecompress = promisify(zlib.brotliDecompress);
const brotliCompress = promisify(zlib.brotliCompress);

/** The coding of a Content-Encoding value, or undefined when we cannot handle it (e.g. stacked). */
export function parseCoding(value: string | string[] | undefined): Coding | undefined {
  if (value === undefined) return 'identity';
  const v = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  switch (v) {
    case '':
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    default:
      return undefined;
  }
}

export class TooLargeError extends Error {}

function tooLarge(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

/** Decodes `buf`; throws TooLargeError past `maxBytes`, other errors for corrupt data. */
export async function decode(buf: Buffer, coding: Coding, maxBytes: number): Promise<Buffer> {
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (coding) {
      case 'identity':
        return buf;
      case 'gzip':
        return await gunzip(buf, opts);
      case 'deflate':
        // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
        try {
          return await inflate(buf, opts);
        } catch (err) {
          if (tooLarge(err)) throw err;
          return await inflateRaw(buf, opts);
        }
      case 'br':
        return await brotliDecompress(buf, { maxOutputLength: maxBytes });
    }
  } catch (err) {
    if (tooLarge(err)) throw new TooLargeError(`decoded body is larger than ${maxBytes} bytes`);
    throw err;
  }
}

export async function encode<B extends Buffer | string>(buf: B, coding: Coding): Promise<B | Buffer> {
  switch (coding) {
    case 'identity':
      return buf;
    case 'gzip':
      return gzip(buf);
    case 'deflate':
      return deflate(buf);
    case 'br':
      return brotliCompress(buf, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(buf) },
      });
  }
}
