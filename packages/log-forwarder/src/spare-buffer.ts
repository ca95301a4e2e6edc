import { isReadBuffer } from './source/read-buffers.js';

/**
 * Encode buffers handed out for a write or a request and taken back once it is done, so a sink
 * encodes into the same memory again instead of leaving a buffer per request to the GC (big
 * buffers are freed late, and that is most of a busy sink's RSS). Spares are only ever buffers
 * that were lent, so there are never more of them than writes that were in flight at once
 * (a sink's `concurrency`).
 */
export class SpareBuffer {
  readonly #spares: Buffer[] = [];
  readonly #lent: Buffer[] = [];

  /** A buffer to encode into, if one is free (the encoder allocates when it is too small). */
  take(): Buffer | undefined {
    return this.#spares.pop();
  }

  /** `buf` (encoded into a taken buffer or a new one) is being written. */
  lend(buf: Buffer): Buffer {
    this.#lent.push(buf);
    return buf;
  }

  /**
   * The write of `buf` (given to `lend`) is over: its memory may be reused, unless `reuse` is
   * false (a failed request whose socket may still hold it). Buffers never lent are ignored.
   */
  done(buf: Buffer, reuse = true): void {
    const at = this.#lent.indexOf(buf);
    if (at < 0) return;
    this.#lent.splice(at, 1);
    // Only a buffer of its own: small ones are slices of Buffer's shared pool, and a read buffer
    // (raw lines sent as read) goes back to the tailers once its batch is acknowledged.
    if (!reuse || buf.byteOffset !== 0 || buf.buffer.byteLength <= Buffer.poolSize || isReadBuffer(buf)) return;
    this.#spares.push(Buffer.from(buf.buffer, 0, buf.buffer.byteLength));
  }
}
