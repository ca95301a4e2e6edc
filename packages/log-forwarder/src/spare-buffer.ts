/**
 * One encode buffer handed out for a write and taken back once written, so a sink that writes
 * one request at a time encodes into the same memory again instead of leaving a buffer per
 * request to the GC (big buffers are freed late, and that is most of a busy sink's RSS).
 */
export class SpareBuffer {
  #spare: Buffer | undefined;
  #lent: Buffer | undefined;

  /** The buffer to encode into, if one is free (the encoder allocates when it is too small). */
  take(): Buffer | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare;
  }

  /** `buf` (encoded into a taken buffer or a new one) is being written. */
  lend(buf: Buffer): Buffer {
    this.#lent = buf;
    return buf;
  }

  /** The buffer `lend` was given is written: its memory may be reused. Others are ignored. */
  done(buf: Buffer): void {
    if (buf !== this.#lent) return;
    this.#lent = undefined;
    // Only a buffer of its own: small ones are slices of Buffer's shared pool.
    if (buf.byteOffset !== 0 || buf.buffer.byteLength <= Buffer.poolSize) return;
    this.#spare = Buffer.from(buf.buffer, 0, buf.buffer.byteLength);
  }
}
