/** Writes batches to one sink, one at a time, in order; a failed write is retried with backoff. */
import { backoffDelay, delay } from '@outrigger/runtime';
import type { SinkBatch } from '../batch.js';
import type { Sink } from '../sink/sink.js';

export class SinkRunner {
  readonly #queue: SinkBatch[] = [];
  #busy = false;
  #stopping = false;
  readonly #abandoned = new AbortController();
  #idleWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly sink: Sink,
    readonly inputs: string[],
    readonly onError: (err: unknown, batch: SinkBatch) => void,
  ) {}

  get queued(): number {
    return this.#queue.length + (this.#busy ? 1 : 0);
  }

  enqueue(batch: SinkBatch): void {
    this.#queue.push(batch);
    if (!this.#busy) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#busy = true;
    let failures = 0;
    while (this.#queue.length > 0) {
      const batch = this.#queue[0] as SinkBatch;
      try {
        await this.sink.write(batch);
        this.#queue.shift();
        failures = 0;
      } catch (err) {
        this.onError(err, batch);
        if (!this.#stopping) {
          try {
            await delay(backoffDelay(failures++, { baseMs: 100, maxMs: 5000 }), this.#abandoned.signal);
          } catch {
            // abandoned while waiting
          }
        }
        if (this.#stopping) {
          this.#queue.length = 0;
          break;
        }
      }
    }
    this.#busy = false;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  idle(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  abandon(): void {
    this.#stopping = true;
    this.#abandoned.abort();
  }
}
