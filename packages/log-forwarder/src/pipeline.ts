/**
 * Wires sources → transforms → sinks by `inputs`, and owns what they share: the in-flight byte
 * cap, the per-file, per-sink cursors and the checkpoint they are saved to.
 *
 * Each sink reads each file through its own lane (see `source/tailer.ts`) and has its own share
 * of `max_in_flight_bytes` (the cap divided by the number of sinks). Reading is pulled: a slow or
 * down sink holds its batches unacknowledged, its share is used up and its lanes stop reading —
 * only its lanes: the other sinks keep reading the same files. The lagging sink reads its backlog
 * again from the file once it takes batches again (the file is the buffer). Per file the
 * checkpoint stores each sink's offset and, as `offset`, the minimum of them.
 */
import path from 'node:path';
import { backoffDelay, delay } from '@outrigger/runtime';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type BatchData, BlockData, DerivedData, RecordData, SinkBatch } from './batch.js';
import type { CursorRange } from './checkpoint/cursor.js';
import { type CheckpointEntry, type CheckpointState, CheckpointStore } from './checkpoint/store.js';
import type { ForwarderConfig } from './definition.js';
import type { SourceRecord } from './multiline/record.js';
import { sinkFactories as defaultSinkFactories } from './sink/index.js';
import type { LogEvent, Sink, SinkContext, SinkFactory } from './sink/sink.js';
import { FileSource, type SourceHost } from './source/file-source.js';
import type { FileSourceConfig } from './source/index.js';
import type { LineBlock } from './source/lines.js';
import type { Lane, Tailer } from './source/tailer.js';
import { type TransformFn, transformFactory } from './transform/index.js';

export interface PipelineContext {
  readonly logger: Logger;
  readonly metrics: Registry;
  metricName(suffix: string): string;
  resolvePath(p: string): string;
}

export interface PipelineOptions {
  /** The sink registry (tests add their own sinks). */
  sinkFactories?: readonly SinkFactory[];
}

interface TransformNode {
  name: string;
  inputs: string[];
  fn: TransformFn;
}

interface Derived {
  events: LogEvent[];
  origin: number[];
}

/** One sink's share of the in-flight cap, and the tailers waiting for room in it. */
class SinkBudget {
  /** Bytes handed to the sink and not yet acknowledged. */
  inFlight = 0;
  /** Acknowledged bytes not yet covered by a written checkpoint. */
  unsaved = 0;
  /** Bytes being read for the sink right now. */
  reserved = 0;
  /** Tailers with a lane of this sink that found no room, with the bytes each wanted (oldest first). */
  readonly blocked = new Map<Tailer, number>();

  get used(): number {
    return this.inFlight + this.unsaved + this.reserved;
  }
}

/** Writes batches to one sink, one at a time, in order; a failed write is retried. */
class SinkRunner {
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

export class Pipeline {
  readonly sources = new Map<string, FileSource>();
  readonly sinks = new Map<string, SinkRunner>();
  readonly store: CheckpointStore;
  readonly #transforms = new Map<string, TransformNode>();
  /** Per source: the sinks its events reach (by name), and whether straight from the source. */
  readonly #routes = new Map<string, Map<string, { runner: SinkRunner; direct: boolean }>>();
  /** Per transform: the one sink whose lanes count the events it drops (each event is counted once). */
  readonly #dropCounter = new Map<string, string>();
  readonly #budgets = new Map<string, SinkBudget>();
  readonly #log: Logger;
  readonly #cap: number;
  /** Each sink's share of the cap. */
  readonly #share: number;
  #inFlight = 0;
  #pendingBatches = 0;
  #closed = false;
  #dirty = false;
  #saving: Promise<void> = Promise.resolve();
  #timer?: NodeJS.Timeout;
  #lastSaved?: string;
  #started = false;
  #saveQueued = false;
  #checkpointFailing = false;
  readonly #parseWarned = new WeakSet<Tailer>();
  readonly #m: ReturnType<typeof createMetrics>;

  constructor(
    readonly config: ForwarderConfig,
    readonly ctx: PipelineContext,
    opts: PipelineOptions = {},
  ) {
    this.#log = ctx.logger;
    this.#cap = config.max_in_flight_bytes;
    const stateDir = ctx.resolvePath(config.state_dir);
    this.store = new CheckpointStore(stateDir);
    this.#m = createMetrics(
      ctx,
      () => this.#allTailers(),
      () => this.#inFlight,
      () => this.#sinkLag(),
    );
    const factories = opts.sinkFactories ?? defaultSinkFactories;

    const transforms = (config.transforms ?? {}) as Record<string, { type: string; inputs: string[] }>;
    for (const [name, t] of Object.entries(transforms)) {
      const f = transformFactory(t.type);
      if (!f) throw new Error(`transforms.${name}.type: unknown transform "${t.type}"`);
      const fn = f.create(t);
      this.#transforms.set(name, { name, inputs: t.inputs, fn });
    }
    const sinkCtx: SinkContext = {
      logger: this.#log,
      metrics: ctx.metrics,
      metricName: (s) => ctx.metricName(s),
      resolvePath: (p) => ctx.resolvePath(p),
      stateDir,
    };
    for (const [name, s] of Object.entries(config.sinks)) {
      const f = factories.find((x) => x.type === s.type);
      if (!f) throw new Error(`sinks.${name}.type: unknown sink "${s.type}"`);
      const sink = f.create(name, s, sinkCtx);
      const runner = new SinkRunner(name, sink, (s as { inputs: string[] }).inputs, (err, batch) => {
        this.#m.sinkFailed.inc({ sink: name }, batch.count);
        this.#log.warn({ sink: name, err: (err as Error).message, code: 'OUTRIGGER_E_LF_SINK_WRITE' }, 'sink write failed; retrying');
      });
      this.sinks.set(name, runner);
      this.#budgets.set(name, new SinkBudget());
    }
    this.#share = Math.max(1, Math.floor(this.#cap / Math.max(1, this.sinks.size)));
    for (const runner of this.sinks.values()) {
      for (const node of this.#transforms.keys()) {
        if (!this.#dropCounter.has(node) && runner.inputs.some((i) => this.#reaches(i, node, new Set()))) {
          this.#dropCounter.set(node, runner.name);
        }
      }
    }
    const host = this.#host();
    for (const [name, s] of Object.entries(config.sources)) {
      const routes = new Map<string, { runner: SinkRunner; direct: boolean }>();
      for (const runner of this.sinks.values()) {
        const reach = runner.inputs.filter((i) => this.#reaches(i, name, new Set()));
        if (reach.length === 0) continue;
        routes.set(runner.name, { runner, direct: reach.length === 1 && reach[0] === name });
      }
      this.#routes.set(name, routes);
      this.sources.set(name, new FileSource(name, s as FileSourceConfig, host, (p) => ctx.resolvePath(p)));
    }
  }

  /** Does node `from` carry events of source `source`? */
  #reaches(from: string, source: string, seen: Set<string>): boolean {
    if (from === source) return true;
    const t = this.#transforms.get(from);
    if (!t || seen.has(from)) return false;
    seen.add(from);
    return t.inputs.some((i) => this.#reaches(i, source, seen));
  }

  #derive(node: string, source: string, data: BatchData, memo: Map<string, Derived | null>, sink: string): Derived | null {
    if (memo.has(node)) return memo.get(node) ?? null;
    let result: Derived | null = null;
    if (node === source) {
      const events = data.events() as LogEvent[];
      result = { events, origin: events.map((_, i) => i) };
    } else {
      const t = this.#transforms.get(node);
      if (t) {
        const events: LogEvent[] = [];
        const origin: number[] = [];
        let dropped = 0;
        for (const input of t.inputs) {
          const d = this.#derive(input, source, data, memo, sink);
          if (!d) continue;
          result = result ?? { events, origin };
          for (let i = 0; i < d.events.length; i++) {
            const out = t.fn(d.events[i] as LogEvent);
            if (out) {
              events.push(out);
              origin.push(d.origin[i] as number);
            } else dropped++;
          }
        }
        if (dropped > 0 && this.#dropCounter.get(node) === sink) this.#m.dropped.inc({ reason: 'filter', component: node }, dropped);
      }
    }
    memo.set(node, result);
    return result;
  }

  #host(): SourceHost {
    return {
      tryReserve: (t, lane, n) => this.#tryReserve(t, lane, n),
      release: (lane, n) => {
        const b = this.#budgets.get(lane.sink);
        if (!b) return;
        b.reserved -= n;
        this.#wakeBlocked(b);
      },
      dispatch: (t, lane, d, safeEnd) => this.#dispatch(t, lane, d, safeEnd),
      sinksOf: (source) => [...(this.#routes.get(source)?.keys() ?? [])],
      readBytes: (t, n) => this.#m.readBytes.inc({ source: t.source, file: t.path }, n),
      truncated: (t) => {
        this.#m.truncations.inc({ source: t.source, file: t.path });
        this.#log.info({ source: t.source, path: t.path }, 'file truncated; reading it again from the start');
        this.#dirty = true;
      },
      rotated: (t) => {
        this.#m.rotations.inc({ source: t.source, file: t.path });
        this.#log.info({ source: t.source, path: t.path }, 'file rotated; reading it to its end');
      },
      opened: (t) => {
        this.#log.debug({ source: t.source, path: t.path, offset: t.readOffset }, 'tailing file');
        this.#dirty = true;
      },
      done: (t) => {
        this.sources.get(t.source)?.forget(t);
        this.#m.forgetFile(t);
        this.#log.info({ source: t.source, path: t.path, offset: t.committed }, 'file finished and closed');
        this.#dirty = true;
      },
      warn: (t, msg, err) =>
        this.#log.warn({ source: t.source, path: t.path, err: (err as Error | undefined)?.message, code: 'OUTRIGGER_E_LF_FILE_READ' }, msg),
      info: (msg, fields) => this.#log.info(fields ?? {}, msg),
      sourceWarn: (source, msg, fields) => this.#log.warn({ source, ...fields }, msg),
    };
  }

  /**
   * May `lane` read `n` bytes now? Within its sink's share of the cap (a read may always start when
   * the sink holds nothing, so a line longer than the share still moves). A lane of no sink only
   * reads (nothing stays in flight).
   */
  #tryReserve(t: Tailer, lane: Lane, n: number): boolean {
    const b = this.#budgets.get(lane.sink);
    if (!b) return true;
    const used = b.used;
    if (this.#closed || used + n <= this.#share || used === 0) {
      b.reserved += n;
      return true;
    }
    b.blocked.delete(t);
    b.blocked.set(t, n);
    return false;
  }

  /** Wakes the tailers waiting for room in `b`, oldest first, as many as the room fits. */
  #wakeBlocked(b: SinkBudget): void {
    if (b.blocked.size === 0) return;
    const used = b.used;
    let free = this.#share - used;
    let first = used === 0 || this.#closed;
    for (const [t, n] of b.blocked) {
      if (n > free && !first && !this.#closed) break;
      first = false;
      free -= n;
      b.blocked.delete(t);
      t.wake();
    }
  }

  #dispatch(t: Tailer, lane: Lane, d: { block?: LineBlock; records?: SourceRecord[] }, safeEnd: number): void {
    const data: BatchData = d.block
      ? new BlockData(d.block, t.path, t.idPrefix, new Date().toISOString())
      : new RecordData(d.records ?? [], t.idPrefix);
    // Every lane sees the same lines; the first one counts them.
    if (lane.index === 0) this.#countLines(t, d);
    const route = this.#routes.get(t.source)?.get(lane.sink);
    let out: BatchData | undefined;
    if (route && data.count > 0) {
      const { runner, direct } = route;
      if (direct) out = data;
      else {
        const memo = new Map<string, Derived | null>();
        const events: LogEvent[] = [];
        const origin: number[] = [];
        for (const input of runner.inputs) {
          const der = this.#derive(input, t.source, data, memo, runner.name);
          if (!der) continue;
          for (let i = 0; i < der.events.length; i++) {
            events.push(der.events[i] as LogEvent);
            origin.push(der.origin[i] as number);
          }
        }
        out = new DerivedData(data, events, origin);
      }
      if (out.count === 0) out = undefined;
    }
    const cursor = lane.cursor;
    const end = Math.max(safeEnd, cursor.handedOut);
    if (!out && end === cursor.handedOut) return;
    const runner = route?.runner;
    const budget = this.#budgets.get(lane.sink);
    const range: CursorRange = cursor.push(end, out && runner ? [runner.name] : []);
    if (!out || !runner || !budget) {
      this.#dirty = true;
      return;
    }
    const bytes = data.bytes;
    const count = out.count;
    this.#inFlight += bytes;
    budget.inFlight += bytes;
    this.#pendingBatches++;
    this.#m.sinkEvents.inc({ sink: runner.name }, count);
    runner.enqueue(
      new SinkBatch(out, () => {
        this.#m.sinkAcked.inc({ sink: runner.name }, count);
        this.#pendingBatches--;
        this.#inFlight -= bytes;
        budget.inFlight -= bytes;
        if (cursor.ack(range, runner.name)) this.#dirty = true;
        this.#acknowledged(budget, bytes);
        // A rotated file closes once everything read from it is acknowledged.
        if (t.rotated) t.wake();
      }),
    );
  }

  #countLines(t: Tailer, d: { block?: LineBlock; records?: SourceRecord[] }): void {
    let truncated = d.block?.truncated.length ?? 0;
    let parseErrors = 0;
    for (const r of d.records ?? []) {
      if (r.event.truncated === true) truncated++;
      if (r.event.parse_error !== undefined) parseErrors++;
    }
    if (truncated > 0) {
      this.#m.truncatedLines.inc({ source: t.source }, truncated);
      this.#log.warn(
        {
          source: t.source,
          path: t.path,
          lines: truncated,
          max_line_bytes: this.config.sources[t.source]?.max_line_bytes,
          code: 'OUTRIGGER_E_LF_LINE_TRUNCATED',
        },
        'lines longer than max_line_bytes were cut',
      );
    }
    if (parseErrors > 0) {
      this.#m.parseErrors.inc({ source: t.source }, parseErrors);
      // Once per file: the events themselves carry `parse_error`.
      if (!this.#parseWarned.has(t)) {
        this.#parseWarned.add(t);
        this.#log.warn(
          { source: t.source, path: t.path, code: 'OUTRIGGER_E_LF_PARSE' },
          'lines did not parse; delivered raw with parse_error',
        );
      }
    }
  }

  /**
   * A sink acknowledged `bytes`. They stay counted against its share of the in-flight cap until a
   * checkpoint covering them is written, so what a crash can repeat to a sink — bytes read for it
   * since the last checkpoint — is bounded by its share. Half a share acknowledged triggers a
   * checkpoint write besides the interval.
   */
  #acknowledged(budget: SinkBudget, bytes: number): void {
    this.#dirty = true;
    budget.unsaved += bytes;
    if (budget.unsaved >= this.#share / 2 && !this.#saveQueued) {
      this.#saveQueued = true;
      void this.saveCheckpoint();
    }
  }

  /** Per sink: bytes of its files not yet acknowledged by it. */
  #sinkLag(): Map<string, number> {
    const lag = new Map<string, number>();
    for (const name of this.sinks.keys()) lag.set(name, 0);
    for (const t of this.#allTailers()) {
      for (const l of t.lanes) {
        if (l.sink === '') continue;
        lag.set(l.sink, (lag.get(l.sink) ?? 0) + Math.max(0, t.size - l.cursor.committed));
      }
    }
    return lag;
  }

  #allTailers(): Tailer[] {
    const out: Tailer[] = [];
    for (const s of this.sources.values()) for (const t of s.tailers.values()) out.push(t);
    return out;
  }

  checkpointState(): CheckpointState {
    const files: CheckpointEntry[] = this.#allTailers().map((t) => ({
      source: t.source,
      path: t.path,
      dev: t.identity.dev,
      ino: t.identity.ino,
      fp_len: t.identity.fp_len,
      fp: t.identity.fp,
      offset: t.committed,
      ...(t.lanes.length > 0 && t.lanes[0]?.sink !== '' ? { sinks: t.sinkOffsets() } : {}),
    }));
    return { version: 1, saved_at: Date.now(), files };
  }

  /** Writes the checkpoint if anything changed (or `force`). Never two writes at once. */
  saveCheckpoint(force = false): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      this.#saveQueued = false;
      if (!this.#dirty && !force) return;
      this.#dirty = false;
      const covered = [...this.#budgets.values()].map((b) => [b, b.unsaved] as const);
      try {
        const began = Date.now();
        const state = this.checkpointState();
        try {
          await this.store.save(state);
        } finally {
          // On failure too: a broken state volume must not stop delivery (it is logged and counted).
          for (const [b, n] of covered) {
            b.unsaved -= n;
            this.#wakeBlocked(b);
          }
        }
        this.#log.debug({ files: state.files.length, ms: Date.now() - began }, 'checkpoint written');
        this.#lastSaved = new Date().toISOString();
        this.#m.checkpointWrites.inc();
        if (this.#checkpointFailing) this.#log.info({ dir: this.store.dir }, 'checkpoint writes work again');
        this.#checkpointFailing = false;
      } catch (err) {
        this.#dirty = true;
        this.#m.checkpointErrors.inc();
        // Once as an error (at start-up on a read-only root without a volume), then quietly until
        // it works again: the metric counts every failure, the log need not repeat each second.
        const fields = { err: (err as Error).message, code: 'OUTRIGGER_E_LF_CHECKPOINT_WRITE', dir: this.store.dir };
        if (this.#checkpointFailing) this.#log.debug(fields, 'checkpoint write failed again');
        else {
          this.#log.error(
            fields,
            `state_dir ${this.store.dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): checkpoints cannot be saved, so a restart will repeat lines; mount a writable volume there (an emptyDir) or set state_dir`,
          );
        }
        this.#checkpointFailing = true;
      }
    });
    return this.#saving;
  }

  async start(): Promise<void> {
    const loaded = await this.store.load();
    for (const w of loaded.warnings) this.#log.warn({ code: 'OUTRIGGER_E_LF_CHECKPOINT_CORRUPT', dir: this.store.dir }, w);
    await Promise.all([...this.sinks.values()].map((r) => r.sink.start()));
    const entries = loaded.state?.files ?? [];
    for (const [name, source] of this.sources) {
      await source.start(
        entries.filter((e) => e.source === name),
        loaded.state?.saved_at,
      );
    }
    this.#dirty = true;
    await this.saveCheckpoint();
    const interval = this.config.checkpoint_interval_ms;
    this.#timer = setInterval(() => void this.saveCheckpoint(), interval);
    this.#timer.unref?.();
    this.#started = true;
  }

  /**
   * Ready once the sources are open and tailing: the app's logs are being read. A sink that is
   * down shows in status(), the sink_healthy metric and the log, never here — the files on disk
   * are the buffer, and a Loki outage must not take every pod out of its Service.
   */
  readiness(): { ready: boolean; reason?: string } {
    return this.#started ? { ready: true } : { ready: false, reason: 'starting' };
  }

  /** Bytes read and not yet acknowledged by every sink that received them. */
  get inFlightBytes(): number {
    return this.#inFlight;
  }

  inFlight(): number {
    return this.#pendingBatches;
  }

  /**
   * SIGTERM: stop discovering, read what is already written, deliver it, checkpoint. Gives up
   * when `deadline` aborts.
   */
  async drain(deadline: AbortSignal): Promise<void> {
    const aborted = new Promise<void>((resolve) => {
      if (deadline.aborted) resolve();
      deadline.addEventListener('abort', () => resolve(), { once: true });
    });
    const sources = Promise.all([...this.sources.values()].map((s) => s.drain()));
    await Promise.race([sources, aborted]);
    const delivered = (async () => {
      while (!deadline.aborted && (this.#inFlight > 0 || this.#pendingBatches > 0)) {
        await Promise.race([Promise.all([...this.sinks.values()].map((r) => r.idle())), aborted]);
        if (this.#inFlight > 0 && !deadline.aborted) await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await Promise.race([delivered, aborted]);
    await this.saveCheckpoint(true);
    await Promise.all([...this.sinks.values()].map((r) => r.sink.stop(deadline).catch(() => undefined)));
    await this.saveCheckpoint(true);
  }

  async stop(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const b of this.#budgets.values()) this.#wakeBlocked(b);
    for (const r of this.sinks.values()) r.abandon();
    await Promise.all([...this.sources.values()].map((s) => s.stop()));
    await this.saveCheckpoint(true);
    const never = new AbortController();
    never.abort();
    await Promise.all([...this.sinks.values()].map((r) => r.sink.stop(never.signal).catch(() => undefined)));
  }

  status(): unknown {
    const sources: Record<string, unknown> = {};
    for (const [name, s] of this.sources) {
      sources[name] = {
        files: [...s.tailers.values()].map((t) => ({
          path: t.path,
          inode: t.identity.ino,
          offset: t.committed,
          read_offset: t.readOffset,
          size: t.size,
          lag_bytes: t.lag,
          rotated: t.rotated,
          sinks: Object.fromEntries(
            t.lanes
              .filter((l) => l.sink !== '')
              .map((l) => [
                l.sink,
                { offset: l.cursor.committed, read_offset: l.readOffset, lag_bytes: Math.max(0, t.size - l.cursor.committed) },
              ]),
          ),
        })),
      };
    }
    const sinks: Record<string, unknown> = {};
    const lag = this.#sinkLag();
    for (const [name, r] of this.sinks) {
      const b = this.#budgets.get(name);
      sinks[name] = {
        queued_batches: r.queued,
        health: r.sink.health(),
        ...(r.sink.status() as object),
        lag_bytes: lag.get(name) ?? 0,
        pipeline_in_flight_bytes: b ? b.inFlight + b.reserved : 0,
        waiting_for_room: (b?.blocked.size ?? 0) > 0,
      };
    }
    return {
      in_flight_bytes: this.#inFlight,
      max_in_flight_bytes: this.#cap,
      sink_share_bytes: this.#share,
      checkpoint: { file: path.resolve(this.store.file), last_saved: this.#lastSaved ?? null },
      sources,
      sinks,
    };
  }
}

function createMetrics(ctx: PipelineContext, tailers: () => Tailer[], inFlight: () => number, sinkLag: () => Map<string, number>) {
  const registers = [ctx.metrics];
  const n = (s: string) => ctx.metricName(s);
  const readBytes = new Counter({ name: n('read_bytes_total'), help: 'Bytes read per file.', labelNames: ['source', 'file'], registers });
  const rotations = new Counter({
    name: n('rotations_total'),
    help: 'Rotations noticed per file.',
    labelNames: ['source', 'file'],
    registers,
  });
  const truncations = new Counter({
    name: n('truncations_total'),
    help: 'Truncations noticed per file.',
    labelNames: ['source', 'file'],
    registers,
  });
  new Gauge({
    name: n('lag_bytes'),
    help: 'Bytes written to a file and not yet acknowledged by the sinks.',
    labelNames: ['source', 'file'],
    registers,
    collect() {
      this.reset();
      for (const t of tailers()) this.set({ source: t.source, file: t.path }, t.lag);
    },
  });
  new Gauge({
    name: n('open_files'),
    help: 'Files open for reading.',
    registers,
    collect() {
      this.set(tailers().length);
    },
  });
  new Gauge({
    name: n('in_flight_bytes'),
    help: 'Bytes read and not yet acknowledged by every sink that received them.',
    registers,
    collect() {
      this.set(inFlight());
    },
  });
  new Gauge({
    name: n('sink_lag_bytes'),
    help: 'Per sink: bytes written to the files it takes and not yet acknowledged by it (its backlog, read again from the files).',
    labelNames: ['sink'],
    registers,
    collect() {
      this.reset();
      for (const [sink, lag] of sinkLag()) this.set({ sink }, lag);
    },
  });
  const sinkEvents = new Counter({ name: n('sink_events_total'), help: 'Events handed to each sink.', labelNames: ['sink'], registers });
  const sinkAcked = new Counter({
    name: n('sink_acked_events_total'),
    help: 'Events each sink acknowledged.',
    labelNames: ['sink'],
    registers,
  });
  const sinkFailed = new Counter({
    name: n('sink_failed_events_total'),
    help: 'Events in batches a sink failed to take (retried).',
    labelNames: ['sink'],
    registers,
  });
  const dropped = new Counter({
    name: n('dropped_events_total'),
    help: 'Events dropped on purpose, by reason.',
    labelNames: ['reason', 'component'],
    registers,
  });
  const parseErrors = new Counter({
    name: n('parse_errors_total'),
    help: 'Lines that did not parse (delivered raw, flagged).',
    labelNames: ['source'],
    registers,
  });
  const truncatedLines = new Counter({
    name: n('truncated_lines_total'),
    help: 'Lines cut at max_line_bytes.',
    labelNames: ['source'],
    registers,
  });
  const checkpointWrites = new Counter({ name: n('checkpoint_writes_total'), help: 'Checkpoint files written.', registers });
  const checkpointErrors = new Counter({ name: n('checkpoint_errors_total'), help: 'Checkpoint writes that failed.', registers });
  return {
    readBytes,
    rotations,
    truncations,
    sinkEvents,
    sinkAcked,
    sinkFailed,
    dropped,
    truncatedLines,
    parseErrors,
    checkpointWrites,
    checkpointErrors,
    forgetFile(t: Tailer) {
      readBytes.remove({ source: t.source, file: t.path });
    },
  };
}
