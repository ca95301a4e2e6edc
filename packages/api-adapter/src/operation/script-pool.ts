/**
 * Where `script` operations run: a small pool of `worker_threads` workers with `resourceLimits`,
 * so that a runaway script cannot stop the sidecar. Bodies go over as JSON text (copies); every
 * call has a hard deadline, past which its worker is terminated and replaced. A worker that dies
 * (out of memory, a crash) fails its call and is replaced too. Workers start on the first call
 * (or `start()`), never while a config is only being checked, and do not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { workerSource } from './script-worker.js';

export type ScriptSource =
  | { kind: 'expr'; label: string; up: string; down: string; timeout: number }
  | { kind: 'file'; label: string; source: string; timeout: number };

export interface ScriptPoolOptions {
  workers: number;
  maxMemoryMb: number;
  /**
   * The hard deadline of a call with timeout `t`. The worker itself answers a timeout at `t`
   * (V8 interrupts the script); this is the backstop for a worker that cannot answer at all.
   */
  deadlineMs?: (t: number) => number;
}

interface Job {
  id: number;
  fn: 'up' | 'down';
  body: string;
  ctx: string;
  timeout: number;
  resolve(text: string): void;
  reject(reason: string): void;
}

interface Slot {
  worker: Worker;
  /** Started (deadlines run from here, not from the spawn). */
  online: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Past the script's own timeout (answered by the worker), this much more before the worker is stopped. */
const graceful = (t: number) => t + 250;

export class ScriptPool {
  private readonly sources: ScriptSource[] = [];
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly opts: ScriptPoolOptions;
  private closed = false;
  /** Workers replaced after a deadline or a crash (for tests and metrics). */
  replaced = 0;

  constructor(opts: ScriptPoolOptions = { workers: 1, maxMemoryMb: 64 }) {
    this.opts = opts;
  }

  /** Adds a script (at compile time, before any call); returns its id. */
  register(source: ScriptSource): number {
    this.sources.push(source);
    return this.sources.length - 1;
  }

  get size(): number {
    return this.sources.length;
  }

  /** Starts the workers ahead of the first call (a no-op without scripts). */
  start(): void {
    while (this.sources.length > 0 && this.slots.size < this.opts.workers) this.spawn();
  }

  /** Runs `fn` of script `id` over a JSON text; resolves with the new body's JSON text. */
  run(id: number, fn: 'up' | 'down', body: string, ctx: string, timeout: number): Promise<string> {
    if (this.closed) return Promise.reject('the script pool is closed');
    return new Promise((resolve, reject) => {
      this.queue.push({ id, fn, body, ctx, timeout, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject('the adapter is stopping');
    await Promise.all([...this.slots].map((s) => this.retire(s, 'the adapter is stopping')));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.online && slot.job === undefined) this.dispatch(slot, this.queue.shift() as Job);
    }
    if (this.queue.length > 0 && this.slots.size < this.opts.workers) this.spawn();
  }

  private spawn(): Slot {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { scripts: this.sources },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxMemoryMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, online: false, job: undefined, timer: undefined };
    this.slots.add(slot);
    worker.once('online', () => {
      slot.online = true;
      this.pump();
      // Only a worker with a call to answer keeps the process alive.
      if (slot.job === undefined) worker.unref();
    });
    worker.on('message', (m: { ok: boolean; body?: string; error?: string }) => {
      const job = this.finish(slot);
      if (m.ok) job?.resolve(m.body as string);
      else job?.reject(m.error ?? 'failed');
      this.pump();
    });
    worker.on('error', (err) => {
      this.replace(slot, `the script worker failed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (this.slots.has(slot)) this.replace(slot, 'the script worker exited');
    });
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    slot.timer = setTimeout(
      () => {
        this.replace(slot, `timed out after ${job.timeout}ms (its worker was stopped)`);
      },
      (this.opts.deadlineMs ?? graceful)(job.timeout),
    );
    slot.worker.postMessage({ id: job.id, fn: job.fn, body: job.body, ctx: job.ctx, timeout: job.timeout });
  }

  private finish(slot: Slot): Job | undefined {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    return job;
  }

  /** Fails the slot's call, stops its worker and lets another take the queue. */
  private replace(slot: Slot, reason: string): void {
    if (!this.slots.has(slot)) return;
    this.replaced++;
    void this.retire(slot, reason);
    this.pump();
  }

  private async retire(slot: Slot, reason: string): Promise<void> {
    this.slots.delete(slot);
    this.finish(slot)?.reject(reason);
    await slot.worker.terminate();
  }
}
