/**
 * The http sink's idempotency key: the same whenever the same events (by deterministic id,
 * `<idPrefix>:<offset>`) are sent again, in the same order, however the reads that brought them
 * were cut into blocks.
 *
 * SHA-256 (base64url) over the ids as runs: each run of consecutive events with one id prefix
 * (one file) is a header — eight 0xff bytes (never an offset: a NaN), the prefix's UTF-8 length
 * as uint32 and its bytes — then each event's offset as a float64, little-endian. Lines straight
 * from the file are hashed from their offsets without a string per line; parsed events from
 * their id strings, to the same bytes.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RequestEvents } from '../../delivery/request.js';

/** Offsets hashed per update (8 KiB). */
const CHUNK = 1024;
/** One scratch for every key: a key is computed start to end without yielding. */
const OFFSETS = new Float64Array(CHUNK);

class KeyHash {
  readonly #hash: Hash = createHash('sha256');
  #n = 0;
  #prefix: string | undefined;

  offset(prefix: string, offset: number): void {
    if (prefix !== this.#prefix) this.#run(prefix);
    OFFSETS[this.#n++] = offset;
    if (this.#n === CHUNK) this.#flush();
  }

  #run(prefix: string): void {
    this.#flush();
    const name = Buffer.from(prefix);
    const header = Buffer.alloc(12, 0xff);
    header.writeUInt32LE(name.length, 8);
    this.#hash.update(header).update(name);
    this.#prefix = prefix;
  }

  #flush(): void {
    if (this.#n === 0) return;
    this.#hash.update(new Uint8Array(OFFSETS.buffer, 0, this.#n * 8));
    this.#n = 0;
  }

  digest(): string {
    this.#flush();
    return this.#hash.digest('base64url');
  }
}

const ID = /^(.*):(\d+)$/s;

/** The key of events with these ids (an id not of the form `<prefix>:<offset>` is a run of its own, offset -1). */
export function idempotencyKey(ids: readonly string[]): string {
  const key = new KeyHash();
  for (const id of ids) {
    const m = ID.exec(id);
    if (m) key.offset(m[1] as string, Number(m[2]));
    else key.offset(id, -1);
  }
  return key.digest();
}

/** `idempotencyKey(request.ids())`, from the lines' offsets when they are straight from the file. */
export function requestIdempotencyKey(request: RequestEvents): string {
  const slices = request.slices?.();
  if (!slices) return idempotencyKey(request.ids());
  const key = new KeyHash();
  for (const { lines, from, to } of slices) {
    const { base, starts } = lines.block;
    for (let i = from; i < to; i++) key.offset(lines.idPrefix, base + (starts[i] as number));
  }
  return key.digest();
}
