/**
 * The app's request body as a source for one or more tries. The body is streamed to the first
 * try with backpressure (never buffered whole); up to `keepBytes` of it are kept so a retry can
 * replay it. Once more than that has been streamed, the body is no longer replayable and the
 * request is not retried.
 */
import { Readable } from 'node:stream';
import type { ReplayBudget } from '../cluster/replay_budget.js';
import type { BodySource } from '../listener/app-request.js';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export class RequestBody {
  #kept: Buffer[] | undefined = [];
  #keptBytes = 0;
  #total = 0;
  #ended = false;
  #error: Error | undefined;
  #current: Readable | undefined;
  #listening = false;

  constructor(
    private readonly req: BodySource,
    private readonly keepBytes: number,
    private readonly maxBytes: number | undefined,
    private readonly onTooLarge: (err: BodyTooLargeError) => void,
    /** The cluster's budget of kept bytes, shared by its requests. */
    private readonly budget?: ReplayBudget,
  ) {}

  /** Gives the kept bytes back to the cluster's budget (the request is done). */
  release(): void {
    this.budget?.give(this.#keptBytes);
    this.#keptBytes = 0;
    this.#kept = undefined;
  }

  /** Whether a new try can send the whole body again. */
  get replayable(): boolean {
    return this.#total === 0 || this.#kept !== undefined;
  }

  /**
   * Whether the proxy is waiting for the app to send more of the body: not all arrived, and the
   * app's stream is not paused by backpressure from the upstream (then the upstream is slow).
   */
  get waitingOnClient(): boolean {
    return !this.#ended && this.#error === undefined && this.#listening && !this.req.paused;
  }

  get bytes(): number {
    return this.#total;
  }

  /** A new stream of the body for one try; the previous try's stream is abandoned. */
  source(): Readable {
    const previous = this.#current;
    const stream = new Readable({
      highWaterMark: 65536,
      read: () => {
        if (this.#error !== undefined) stream.destroy(this.#error);
        else if (!this.#ended) this.req.resume();
      },
    });
    // What was kept goes first (it is already in memory, at most `keepBytes`), so live chunks
    // that arrive later queue behind it in order.
    for (const chunk of this.#kept ?? []) stream.push(chunk);
    if (this.#ended) stream.push(null);
    this.#current = stream;
    if (previous !== undefined && !previous.destroyed) previous.destroy();
    this.#listen();
    return stream;
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const req = this.req;
    req.pause();
    req.readBody({
      onData: (chunk) => {
        this.#total += chunk.length;
        if (this.maxBytes !== undefined && this.#total > this.maxBytes) {
          const err = new BodyTooLargeError(this.maxBytes);
          this.#error = err;
          req.pause();
          this.#current?.destroy(err);
          this.onTooLarge(err);
          return;
        }
        if (this.#kept !== undefined) {
          if (this.#keptBytes + chunk.length <= this.keepBytes && (this.budget?.take(chunk.length) ?? true)) {
            this.#kept.push(chunk);
            this.#keptBytes += chunk.length;
          } else {
            this.release();
          }
        }
        const current = this.#current;
        if (current === undefined || current.destroyed || !current.push(chunk)) req.pause();
      },
      onEnd: () => {
        this.#ended = true;
        const current = this.#current;
        if (current !== undefined && !current.destroyed) current.push(null);
      },
      onError: (err) => {
        this.#error = err;
        this.#current?.destroy(err);
      },
    });
  }
}
