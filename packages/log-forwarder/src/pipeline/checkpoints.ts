/**
 * When the checkpoint is written: on an interval, when half a sink's share is acknowledged, and at
 * shutdown; never two writes at once. What it holds per file is each sink's acknowledged offset
 * and, as `offset`, the minimum of them.
 */
import type { Logger } from 'pino';
import { type CheckpointEntry, type CheckpointState, CheckpointStore } from '../checkpoint/store.js';
import type { Tailer } from '../source/tailer.js';
import type { InFlightBudget } from './in-flight-budget.js';
import type { PipelineMetrics } from './metrics.js';

export class Checkpoints {
  readonly store: CheckpointStore;
  #dirty = false;
  #saving: Promise<void> = Promise.resolve();
  #timer?: NodeJS.Timeout;
  #saveQueued = false;
  /** The last write failed: the next failure is logged at debug, a success says it works again. */
  #failing = false;
  lastSaved?: string;

  constructor(
    stateDir: string,
    readonly tailers: () => Tailer[],
    readonly budget: InFlightBudget,
    readonly log: Logger,
    readonly m: PipelineMetrics,
  ) {
    this.store = new CheckpointStore(stateDir);
  }

  /** Something the checkpoint holds changed. */
  changed(): void {
    this.#dirty = true;
  }

  /** A sink acknowledged enough to write a checkpoint now, besides the interval. */
  soon(): void {
    if (this.#saveQueued) return;
    this.#saveQueued = true;
    void this.save();
  }

  every(intervalMs: number): void {
    this.#timer = setInterval(() => void this.save(), intervalMs);
    this.#timer.unref?.();
  }

  stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  state(): CheckpointState {
    const files: CheckpointEntry[] = this.tailers().map((t) => ({
      source: t.source,
      path: t.path,
      dev: t.identity.dev,
      ino: t.identity.ino,
      fp_len: t.identity.fp_len,
      fp: t.identity.fp,
      offset: t.committed,
      opened_at: t.openedAt,
      ...(t.lanes.length > 0 && t.lanes[0]?.sink !== '' ? { sinks: t.sinkOffsets() } : {}),
    }));
    return { version: 1, saved_at: Date.now(), files };
  }

  /** Writes the checkpoint if anything changed (or `force`). Never two writes at once. */
  save(force = false): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      this.#saveQueued = false;
      if (!this.#dirty && !force) return;
      this.#dirty = false;
      const covered = this.budget.unsaved();
      try {
        const began = Date.now();
        const state = this.state();
        try {
          await this.store.save(state);
        } finally {
          // On failure too: a broken state volume must not stop delivery (it is logged and counted).
          this.budget.saved(covered);
        }
        this.log.debug({ files: state.files.length, ms: Date.now() - began }, 'checkpoint written');
        this.lastSaved = new Date().toISOString();
        this.m.checkpointWrites.inc();
        if (this.#failing) this.log.info({ dir: this.store.dir }, 'checkpoint writes work again');
        this.#failing = false;
      } catch (err) {
        this.#dirty = true;
        this.m.checkpointErrors.inc();
        // Once as an error (at start-up on a read-only root without a volume), then quietly until
        // it works again: the metric counts every failure, the log need not repeat each second.
        const fields = { err: (err as Error).message, code: 'OUTRIGGER_E_LF_CHECKPOINT_WRITE', dir: this.store.dir };
        if (this.#failing) this.log.debug(fields, 'checkpoint write failed again');
        else
          this.log.error(
            fields,
            `state_dir ${this.store.dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): checkpoints cannot be saved, so a restart will repeat lines; mount a writable volume there (an emptyDir) or set state_dir`,
          );
        this.#failing = true;
      }
    });
    return this.#saving;
  }
}
