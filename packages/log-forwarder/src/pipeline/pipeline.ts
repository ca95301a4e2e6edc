/**
 * Wires sources → transforms → sinks by `inputs` and starts and stops them. What they share has
 * its own file: the in-flight cap (`in-flight-budget.ts`), the checkpoint (`checkpoints.ts`), the
 * graph (`routes.ts`), shutdown (`drain.ts`), `/status` (`status.ts`) and metrics (`metrics.ts`).
 *
 * Each sink reads each file through its own lane (see `source/tailer.ts`) and has its own share
 * of `max_in_flight_bytes`. The lagging sink reads its backlog again from the file once it takes
 * batches again (the file is the buffer).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type BatchData, BlockData, RecordData, SinkBatch } from '../batch.js';
import type { CursorRange } from '../checkpoint/cursor.js';
import type { CheckpointState, CheckpointStore } from '../checkpoint/store.js';
import type { ForwarderConfig } from '../config.js';
import type { SourceRecord } from '../multiline/record.js';
import { sinkFactories as defaultSinkFactories } from '../sink/index.js';
import type { SinkContext, SinkFactory } from '../sink/sink.js';
import { FileSource, type SourceHost } from '../source/file-source.js';
import type { FileSourceConfig } from '../source/index.js';
import type { LineBlock } from '../source/lines.js';
import { ReadBuffers } from '../source/read-buffers.js';
import type { Lane, Tailer } from '../source/tailer.js';
import { Checkpoints } from './checkpoints.js';
import { drain } from './drain.js';
import { InFlightBudget, LINE_OFFSET_BYTES } from './in-flight-budget.js';
import { createMetrics, type PipelineMetrics } from './metrics.js';
import { Routes } from './routes.js';
import { SinkRunner } from './sink-runner.js';
import { pipelineStatus, sinkLag } from './status.js';

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

export class Pipeline {
  readonly sources = new Map<string, FileSource>();
  readonly sinks = new Map<string, SinkRunner>();
  readonly budget: InFlightBudget;
  /** The tailers' read buffers, back from the sinks once acknowledged. */
  readonly readBuffers: ReadBuffers;
  #trimTimer: NodeJS.Timeout | undefined;
  readonly checkpoints: Checkpoints;
  readonly #routes: Routes;
  readonly #log: Logger;
  #started = false;
  readonly #parseWarned = new WeakSet<Tailer>();
  readonly #m: PipelineMetrics;

  constructor(
    readonly config: ForwarderConfig,
    readonly ctx: PipelineContext,
    opts: PipelineOptions = {},
  ) {
    this.#log = ctx.logger;
    const stateDir = ctx.resolvePath(config.state_dir);
    this.#m = createMetrics(
      ctx,
      () => this.#allTailers(),
      () => this.budget.inFlight,
      () => sinkLag(this.sinks.keys(), this.#allTailers()),
    );
    const factories = opts.sinkFactories ?? defaultSinkFactories;
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
    }
    this.budget = new InFlightBudget(config.max_in_flight_bytes, this.sinks.keys());
    this.readBuffers = new ReadBuffers(config.max_in_flight_bytes);
    this.checkpoints = new Checkpoints(stateDir, () => this.#allTailers(), this.budget, this.#log, this.#m);
    this.#routes = new Routes(
      (config.transforms ?? {}) as Record<string, { type: string; inputs: string[] }>,
      Object.keys(config.sources),
      this.sinks.values(),
      (node, n) => this.#m.dropped.inc({ reason: 'filter', component: node }, n),
    );
    const host = this.#host();
    for (const [name, s] of Object.entries(config.sources)) {
      this.sources.set(name, new FileSource(name, s as FileSourceConfig, host, (p) => ctx.resolvePath(p)));
    }
  }

  get store(): CheckpointStore {
    return this.checkpoints.store;
  }

  #host(): SourceHost {
    return {
      tryReserve: (t, lane, n) => this.budget.tryReserve(t, lane.sink, n),
      release: (lane, n) => this.budget.release(lane.sink, n),
      held: (lane, delta) => this.budget.hold(lane.sink, delta),
      dispatch: (t, lane, d, safeEnd) => this.#dispatch(t, lane, d, safeEnd),
      readBuffer: (size) => this.readBuffers.take(size),
      returnBuffer: (buf) => this.readBuffers.give(buf),
      sinksOf: (source) => this.#routes.sinksOf(source),
      readBytes: (t, n) => this.#m.readBytes.inc({ source: t.source, file: t.path }, n),
      truncated: (t) => {
        this.#m.truncations.inc({ source: t.source, file: t.path });
        this.#log.info({ source: t.source, path: t.path }, 'file truncated; reading it again from the start');
        this.checkpoints.changed();
      },
      rotated: (t) => {
        this.#m.rotations.inc({ source: t.source, file: t.path });
        this.#log.info({ source: t.source, path: t.path }, 'file rotated; reading it to its end');
      },
      opened: (t) => {
        this.#log.debug({ source: t.source, path: t.path, offset: t.readOffset }, 'tailing file');
        this.checkpoints.changed();
      },
      done: (t) => {
        const source = this.sources.get(t.source);
        source?.forget(t);
        // A rotated file keeps the name it was tailed under: the live file there keeps the series.
        if (![...(source?.tailers.values() ?? [])].some((o) => o.path === t.path)) this.#m.forgetFile(t);
        this.#log.info({ source: t.source, path: t.path, offset: t.committed }, 'file finished and closed');
        this.checkpoints.changed();
      },
      givenUp: (t, loss) => {
        const bytes = Math.max(0, loss.to - loss.from);
        this.#m.givenUpBytes.inc({ source: t.source, reason: loss.reason }, bytes);
        this.#m.givenUpFiles.inc({ source: t.source, reason: loss.reason });
        this.#log.error(
          {
            source: t.source,
            path: t.path,
            inode: t.identity.ino,
            from: loss.from,
            to: loss.to,
            bytes,
            sinks: t.sinkOffsets(),
            reason: loss.reason,
            code: 'OUTRIGGER_E_LF_FILE_GIVEN_UP',
          },
          'a rotated file was given up before every sink read it; its bytes [from, to) are not delivered',
        );
      },
      warn: (t, msg, err) =>
        this.#log.warn({ source: t.source, path: t.path, err: (err as Error | undefined)?.message, code: 'OUTRIGGER_E_LF_FILE_READ' }, msg),
      info: (msg, fields) => this.#log.info(fields ?? {}, msg),
      sourceWarn: (source, msg, fields) => this.#log.warn({ source, ...fields }, msg),
    };
  }

  #dispatch(t: Tailer, lane: Lane, d: { block?: LineBlock; records?: SourceRecord[] }, safeEnd: number): void {
    const data: BatchData = d.block
      ? new BlockData(d.block, t.path, t.idPrefix, new Date().toISOString())
      : new RecordData(d.records ?? [], t.idPrefix);
    // Every lane sees the same lines; the first one counts them.
    if (lane.index === 0) this.#countLines(t, d);
    const route = this.#routes.route(t.source, lane.sink);
    let out: BatchData | undefined;
    if (route && data.count > 0) {
      out = this.#routes.derive(route, t.source, data);
      if (out.count === 0) out = undefined;
    }
    const cursor = lane.cursor;
    const end = Math.max(safeEnd, cursor.handedOut);
    // A block's read buffer has one owner, this lane's sink: it comes back once the sink is done.
    const chunk = d.block?.chunk;
    if (!out && end === cursor.handedOut) {
      if (chunk) this.readBuffers.give(chunk);
      return;
    }
    const runner = route?.runner;
    const budget = this.budget.sinks.get(lane.sink);
    const range: CursorRange = cursor.push(end, out && runner ? [runner.name] : []);
    if (!out || !runner || !budget) {
      if (chunk) this.readBuffers.give(chunk);
      this.checkpoints.changed();
      return;
    }
    // Short lines cost more in offsets than in bytes: counted too, so the cap bounds memory
    // with 2-byte lines as with 200-byte ones.
    const bytes = data.bytes + LINE_OFFSET_BYTES * data.count;
    const count = out.count;
    this.budget.sent(budget, bytes);
    this.#m.sinkEvents.inc({ sink: runner.name }, count);
    runner.enqueue(
      new SinkBatch(out, () => {
        if (chunk) this.readBuffers.give(chunk);
        this.#m.sinkAcked.inc({ sink: runner.name }, count);
        const full = this.budget.acked(budget, bytes);
        cursor.ack(range, runner.name);
        this.checkpoints.changed();
        if (full) this.checkpoints.soon();
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

  #allTailers(): Tailer[] {
    const out: Tailer[] = [];
    for (const s of this.sources.values()) for (const t of s.tailers.values()) out.push(t);
    return out;
  }

  checkpointState(): CheckpointState {
    return this.checkpoints.state();
  }

  saveCheckpoint(force = false): Promise<void> {
    return this.checkpoints.save(force);
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
    // The start offsets are saved before anything is read: a kill before this write finds no
    // checkpoint and starts over, but nothing was sent from offsets the restart would not know.
    this.checkpoints.changed();
    await this.checkpoints.save();
    for (const source of this.sources.values()) source.begin();
    this.checkpoints.every(this.config.checkpoint_interval_ms);
    this.#trimTimer = setInterval(() => this.readBuffers.trim(), 1000);
    this.#trimTimer.unref();
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
    return this.budget.inFlight;
  }

  inFlight(): number {
    return this.budget.pendingBatches;
  }

  drain(deadline: AbortSignal): Promise<void> {
    return drain(
      { sources: this.sources.values(), sinks: this.sinks.values(), budget: this.budget, checkpoints: this.checkpoints },
      deadline,
    );
  }

  async stop(): Promise<void> {
    this.budget.close();
    this.checkpoints.stopTimer();
    clearInterval(this.#trimTimer);
    for (const r of this.sinks.values()) r.abandon();
    await Promise.all([...this.sources.values()].map((s) => s.stop()));
    await this.checkpoints.save(true);
    const never = new AbortController();
    never.abort();
    await Promise.all([...this.sinks.values()].map((r) => r.sink.stop(never.signal).catch(() => undefined)));
  }

  status(): unknown {
    return pipelineStatus({ sources: this.sources, sinks: this.sinks, budget: this.budget, checkpoints: this.checkpoints });
  }
}
