/**
 * A Writable that collects a response body up to a cap (undici `stream()` writes into it). Past
 * the cap it asks `onOverflow` what to do: a Writable to forward everything to (what it holds,
 * then the rest, with backpressure), or undefined to refuse, which fails the stream with
 * `TooLarge` so that undici stops reading from the upstream. A chunk the global budget does not
 * admit fails it with `Overloaded`.
 */
import { Writable } from 'node:stream';
import { Overloaded } from './budget.js';

export class TooLarge extends Error {}

export class BodyCollector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private target: Writable | undefined;
  private readonly cap: number;
  private readonly onOverflow: (head: Buffer[]) => Writable | undefined;
  private readonly admit: (n: number) => boolean;

  constructor(cap: number, onOverflow: (head: Buffer[]) => Writable | undefined, admit: (n: number) => boolean = () => true) {
    super();
    this.cap = cap;
    this.onOverflow = onOverflow;
    this.admit = admit;
  }

  /** True when the body went (or is going) through untransformed. */
  get forwarding(): boolean {
    return this.target !== undefined;
  }

  /** The whole body; valid after the stream finished without forwarding. */
  body(): Buffer {
    // Keep only the joined copy: the chunks must not stay alive beside it.
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const target = this.target;
    if (target) {
      if (target.write(chunk)) cb();
      else target.once('drain', () => cb());
      return;
    }
    if (!this.admit(chunk.length)) {
      cb(new Overloaded('the buffered-bytes budget is spent'));
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size <= this.cap) {
      cb();
      return;
    }
    const t = this.onOverflow(this.chunks);
    if (!t) {
      cb(new TooLarge(`body larger than ${this.cap} bytes`));
      return;
    }
    this.target = t;
    let ok = true;
    for (const c of this.chunks) ok = t.write(c);
    this.chunks = [];
    if (ok) cb();
    else t.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.target) this.target.end(() => cb());
    else cb();
  }
}
