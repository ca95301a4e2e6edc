/**
 * One open file: reads it from its offsets to its end, again whenever it grows, and notices when
 * it is truncated or rotated away.
 *
 * Each sink the file's lines reach reads the file through its own **lane**: its own read offset,
 * line splitter, parser/multiline state and cursor. With one sink there is one lane and nothing
 * changes; with several, a sink that is down or slow stops only its own lane once its share of the
 * in-flight cap is used, while the others keep reading. The file is the buffer: the lagging lane
 * reads its backlog again from the file when its sink takes batches again, so memory stays bounded
 * by config however far a sink lags.
 *
 * The fd is kept for the file's whole life, so a file renamed or deleted while we read it is read
 * to its end by every lane. A rotated file is closed only once it has not grown for
 * `rotate_wait_ms` after it last grew AND every lane has read it to its end AND every line read
 * from it has been acknowledged — never on a timer while a sink still needs bytes. Its last line,
 * if it has no newline, is emitted then.
 */
import { type promises as fsp, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileCursor } from '../checkpoint/cursor.js';
import type { SourceRecord } from '../multiline/record.js';
import type { EventAssembler } from './assembler.js';
import { type FileIdentity, fingerprint, identify } from './identity.js';
import { type LineBlock, LineSplitter } from './lines.js';
import { offsetsOf } from './read-buffers.js';

export interface TailerOptions {
  maxLineBytes: number;
  readChunkBytes: number;
  fingerprintBytes: number;
  rotateWaitMs: number;
  pollIntervalMs: number;
}

/** What a tailer needs from the pipeline. */
export interface TailerHost {
  /**
   * May `lane` read `bytes` more now (its sink's share of the in-flight cap)? Never waits: when it
   * answers false the pipeline wakes the tailer once the sink has room again.
   */
  tryReserve(tailer: Tailer, lane: Lane, bytes: number): boolean;
  release(lane: Lane, bytes: number): void;
  /** Bytes `lane`'s assembler holds back (partial lines) changed by `delta`: they count against its sink's share. */
  held(lane: Lane, delta: number): void;
  /** Hands what `lane` read to its sink; its cursor may move to `safeEnd` once the sink acknowledges. */
  dispatch(tailer: Tailer, lane: Lane, data: { block?: LineBlock; records?: SourceRecord[] }, safeEnd: number): void;
  /** Bytes of the file read for the first time (re-reads by a lagging lane are not counted). */
  readBytes(tailer: Tailer, bytes: number): void;
  truncated(tailer: Tailer): void;
  /** The tailer finished (rotated file read, acknowledged and closed) or failed. */
  done(tailer: Tailer): void;
  warn(tailer: Tailer, msg: string, err?: unknown): void;
  /**
   * A buffer of `size` bytes to read into, and the way back for one whose lines were not handed
   * out (`dispatch` owns the buffer of a block it gets). Without them each read allocates.
   */
  readBuffer?(size: number): Buffer;
  returnBuffer?(buf: Buffer): void;
}

/** Where each lane starts: `offset`, or the sink's own offset from the checkpoint. */
export interface StartOffsets {
  offset: number;
  sinks?: Readonly<Record<string, number>>;
}

/** One sink's reader of one file. `sink` is '' for a source no sink takes (its lines are only read). */
export class Lane {
  cursor: FileCursor;
  /** Next byte to read (everything before it is in a line handed out or held by the assembler). */
  readOffset: number;
  /** Bytes looked at (a trailing partial line is scanned but not consumed). */
  scanned: number;
  /** The assembler's held bytes as last reported to the host. */
  heldReported = 0;
  readonly splitter: LineSplitter;

  constructor(
    readonly sink: string,
    /** 0 for the first lane: it counts per-line figures (truncated lines, parse errors) once. */
    readonly index: number,
    offset: number,
    readonly assembler: EventAssembler,
    maxLineBytes: number,
  ) {
    this.cursor = new FileCursor(offset);
    this.readOffset = offset;
    this.scanned = offset;
    this.splitter = new LineSplitter(maxLineBytes);
  }

  restart(offset: number): void {
    this.cursor = new FileCursor(offset);
    this.readOffset = offset;
    this.scanned = offset;
    this.splitter.reset();
  }
}

export class Tailer {
  readonly lanes: Lane[];
  /** Last size seen. */
  size = 0;
  rotated = false;
  lastGrowth = Date.now();
  /** When it was rotated out of the globs (or deleted). */
  rotatedAt = 0;
  /**
   * When we opened it (or, for a checkpointed file, when a run first did): a file renamed away from
   * its path since then may be one we never saw.
   */
  openedAt = Date.now();
  /** Bytes before this offset were read at least once (by some lane) since we opened the file. */
  #frontier: number;
  #closed = false;
  #finished = false;
  /** Rotated and quiet for `rotate_wait_ms`: read to the very end (last line without newline too), then close. */
  #finishing = false;
  #wakeup?: () => void;
  #woken = false;
  #drain?: { target: number; resolve: () => void };
  #headSize = -1;
  /** The first `identity.fp_len` bytes (compared after each read: see `#readOnce`). */
  #head: Buffer = Buffer.alloc(0);
  #running?: Promise<void>;

  private constructor(
    readonly source: string,
    /** Where the file was found; events carry it as `file`. */
    public path: string,
    public identity: FileIdentity,
    readonly fh: fsp.FileHandle,
    start: StartOffsets,
    sinks: readonly string[],
    newAssembler: () => EventAssembler,
    readonly host: TailerHost,
    readonly opts: TailerOptions,
  ) {
    this.lanes = (sinks.length > 0 ? sinks : ['']).map(
      (sink, i) => new Lane(sink, i, laneStart(start, sink), newAssembler(), opts.maxLineBytes),
    );
    this.#frontier = this.readOffset;
  }

  /**
   * Opens `path` with one lane per sink in `sinks`. `offset` is where every lane starts (`end`: the
   * file's size now); `startAt()` may move them before `run()`. With `handle`, the file already
   * open there is read (its identity is the open file's, whatever is at `path` by now) and the
   * tailer owns the handle.
   */
  static async open(
    source: string,
    path: string,
    offset: number | 'end',
    sinks: readonly string[],
    newAssembler: () => EventAssembler,
    host: TailerHost,
    opts: TailerOptions,
    handle?: fsp.FileHandle,
  ): Promise<Tailer> {
    const fh = handle ?? (await open(path, 'r'));
    try {
      const st = await fh.stat();
      const head = await readHead(fh, Math.min(st.size, opts.fingerprintBytes));
      const identity = identify(st.dev, st.ino, head);
      const start = offset === 'end' ? st.size : offset;
      const t = new Tailer(source, path, identity, fh, { offset: start }, sinks, newAssembler, host, opts);
      t.#head = head;
      t.size = st.size;
      t.idPrefix = `${st.dev}-${st.ino}-${Math.floor(st.birthtimeMs)}`;
      return t;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Before `run()`: start the lanes at `start` (each sink at its own offset where one is known). */
  startAt(start: StartOffsets): void {
    for (const lane of this.lanes) lane.restart(laneStart(start, lane.sink));
    this.#frontier = this.readOffset;
  }

  /** The first `n` bytes of the file now. */
  head(n: number): Promise<Buffer> {
    return readHead(this.fh, n);
  }

  get key(): string {
    return `${this.identity.dev}:${this.identity.ino}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The id prefix of events from this file: device, inode and birth time (a reused inode has
   * another birth time), so the same line read again after a restart gets the same id.
   */
  idPrefix = '';

  /** The furthest read offset of any lane. */
  get readOffset(): number {
    let max = 0;
    for (const l of this.lanes) if (l.readOffset > max) max = l.readOffset;
    return max;
  }

  /** The committed offset: the minimum over the lanes (never ahead of any sink's acknowledgement). */
  get committed(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const l of this.lanes) if (l.cursor.committed < min) min = l.cursor.committed;
    return min;
  }

  /** Per sink: its own committed offset (for the checkpoint). */
  sinkOffsets(): Record<string, number> | undefined {
    if (this.lanes.length === 1 && this.lanes[0]?.sink === '') return undefined;
    const out: Record<string, number> = {};
    for (const l of this.lanes) if (l.sink !== '') out[l.sink] = l.cursor.committed;
    return out;
  }

  /** Ranges handed out and not yet acknowledged, over every lane. */
  get pending(): number {
    let n = 0;
    for (const l of this.lanes) n += l.cursor.pending;
    return n;
  }

  /** Bytes written and not yet acknowledged (by the sink furthest behind). */
  get lag(): number {
    return Math.max(0, this.size - this.committed);
  }

  run(): Promise<void> {
    this.#running ??= this.#loop()
      .catch((err) => {
        if (this.#closed) return;
        this.host.warn(this, 'reading failed; the file is closed and found again at the next rescan', err);
        void this.close();
        this.host.done(this);
      })
      .finally(() => {
        const d = this.#drain;
        this.#drain = undefined;
        d?.resolve();
      });
    return this.#running;
  }

  wake(): void {
    this.#woken = true;
    const w = this.#wakeup;
    this.#wakeup = undefined;
    w?.();
  }

  markRotated(): void {
    if (this.rotated) return;
    this.rotated = true;
    this.rotatedAt = Date.now();
    this.lastGrowth = Date.now();
    this.wake();
  }

  /** Reads what is written now (every lane), emits held-back events, then stops reading. */
  drain(): Promise<void> {
    if (this.#closed || this.#finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drain = { target: Number.POSITIVE_INFINITY, resolve };
      void this.fh
        .stat()
        .then((st) => {
          if (this.#drain) this.#drain.target = st.size;
        })
        .catch(() => {
          if (this.#drain) this.#drain.target = 0;
        })
        .finally(() => this.wake());
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.lanes) this.#reportHeld(lane, 0);
    this.wake();
    await this.fh.close().catch(() => undefined);
  }

  async #loop(): Promise<void> {
    const { opts, lanes } = this;
    const readSize = Math.max(opts.readChunkBytes, opts.maxLineBytes + 1);
    while (!this.#closed) {
      this.#woken = false;
      const st = await this.fh.stat();
      if (this.#closed) return;
      if (st.size < this.readOffset || (await this.#contentReplaced(st.size))) {
        this.#restartAtZero(st.size);
        continue;
      }
      const now = Date.now();
      if (st.size > this.size) this.lastGrowth = now;
      this.size = st.size;
      if (this.rotated && !this.#finishing && now - this.lastGrowth >= opts.rotateWaitMs) this.#finishing = true;
      const finishing = this.#finishing;
      const drain = this.#drain;
      const limit = drain ? Math.min(st.size, drain.target) : st.size;
      let progressed = false;
      let replaced = false;
      for (const lane of lanes) {
        // Finishing, the trailing part without a newline is read too (as the last line).
        if (finishing ? lane.readOffset >= limit : lane.scanned >= limit) continue;
        const want = Math.min(readSize, limit - lane.readOffset);
        if (!this.host.tryReserve(this, lane, want)) continue;
        try {
          const read = await this.#readOnce(lane, readSize, want, finishing && lane.readOffset + want >= limit);
          if (read === 'replaced') replaced = true;
          else if (read) progressed = true;
        } finally {
          this.host.release(lane, want);
        }
        if (this.#closed) return;
        if (replaced) break;
      }
      if (replaced) {
        // Truncated and rewritten since the check above: look at the head again (restarts at 0).
        this.#headSize = -1;
        continue;
      }
      if (progressed) continue;
      for (const lane of lanes) {
        const out: SourceRecord[] = [];
        lane.assembler.flushDue(Date.now(), out);
        if (out.length > 0) this.#emitRecords(lane, out);
      }

      if (drain && lanes.every((l) => l.scanned >= Math.min(drain.target, st.size))) {
        this.#flushHeld();
        this.#drain = undefined;
        this.#finished = true;
        drain.resolve();
        return;
      }
      if (finishing && lanes.every((l) => l.readOffset >= st.size)) {
        this.#flushHeld();
        if (this.pending === 0) {
          this.#finished = true;
          await this.close();
          this.host.done(this);
          return;
        }
      }
      await this.#wait();
    }
  }

  #flushHeld(): void {
    for (const lane of this.lanes) {
      const held: SourceRecord[] = [];
      lane.assembler.flush(held);
      if (held.length > 0) this.#emitRecords(lane, held);
    }
  }

  /**
   * Reads once at `lane.readOffset`; returns whether any byte was consumed, or `'replaced'` (nothing
   * consumed) when the file's first bytes changed by the time the read returned.
   */
  async #readOnce(lane: Lane, size: number, want: number, final: boolean): Promise<boolean | 'replaced'> {
    // Full reads (a backlog) into reusable buffers; a short read (a file being followed) gets a
    // buffer of its size, as would a lane whose assembler may keep views of it (partial records).
    const buf = (want === size && lane.assembler.fast && this.host.readBuffer?.(size)) || Buffer.allocUnsafe(want);
    const before = lane.readOffset;
    const { bytesRead } = await this.fh.read(buf, 0, want, before);
    if (bytesRead === 0) {
      this.host.returnBuffer?.(buf);
      lane.scanned = before;
      return false;
    }
    const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    // copytruncate: the file may have been truncated and written past `before` again between the
    // check in #loop and this read; the chunk would then be new content at the old offset, emitted
    // now and again after the restart at 0. Such a file no longer starts with the same bytes.
    if (!this.#headIntact(before, chunk)) {
      this.host.returnBuffer?.(buf);
      return 'replaced';
    }
    const split = lane.splitter.split(chunk, before, final, offsetsOf(buf));
    lane.readOffset = split.consumedTo;
    lane.scanned = before + bytesRead;
    if (split.consumedTo > this.#frontier) {
      this.host.readBytes(this, split.consumedTo - Math.max(before, this.#frontier));
      this.#frontier = split.consumedTo;
    }
    if (split.block.count > 0 || split.consumedTo > before) this.#emitBlock(lane, split.block, split.consumedTo);
    else this.host.returnBuffer?.(buf);
    return split.consumedTo > before;
  }

  #emitBlock(lane: Lane, block: LineBlock, consumedTo: number): void {
    if (lane.assembler.fast) {
      this.host.dispatch(this, lane, { block }, consumedTo);
      return;
    }
    const out: SourceRecord[] = [];
    lane.assembler.push(block, this.path, new Date().toISOString(), Date.now(), out);
    this.host.dispatch(this, lane, { records: out }, lane.assembler.pendingFrom() ?? consumedTo);
    this.#reportHeld(lane);
  }

  #emitRecords(lane: Lane, records: SourceRecord[]): void {
    this.host.dispatch(this, lane, { records }, lane.assembler.pendingFrom() ?? lane.readOffset);
    this.#reportHeld(lane);
  }

  #reportHeld(lane: Lane, now = lane.assembler.heldBytes): void {
    const delta = now - lane.heldReported;
    if (delta === 0) return;
    lane.heldReported = now;
    this.host.held(lane, delta);
  }

  /** Is the content at the start of the file no longer what we fingerprinted (rewritten after a truncate)? */
  async #contentReplaced(size: number): Promise<boolean> {
    const { identity, opts } = this;
    const growing = identity.fp_len < opts.fingerprintBytes && size > identity.fp_len;
    // Checked whenever the size changed, before reading at the old offset (one small pread).
    if (!growing && size === this.#headSize) return false;
    this.#headSize = size;
    const head = await readHead(this.fh, Math.min(size, opts.fingerprintBytes));
    if (head.length < identity.fp_len || fingerprint(head.subarray(0, identity.fp_len)) !== identity.fp) return true;
    if (growing) {
      this.identity = identify(identity.dev, identity.ino, head);
      this.#head = head;
    }
    return false;
  }

  /**
   * Does the file still start with the bytes we fingerprinted? From `chunk` itself when it covers
   * them, else one pread of at most `fingerprint_bytes` per read of up to `read_chunk_bytes`.
   * Synchronous on purpose: the first page is almost always in the page cache (the size checks
   * read it); an async read here (a thread-pool round trip per chunk) cost ~25% of read
   * throughput, this one no measurable throughput.
   */
  #headIntact(at: number, chunk: Buffer): boolean {
    const expected = this.#head;
    const n = expected.length;
    if (n === 0) return true;
    if (at === 0 && chunk.length >= n) return chunk.subarray(0, n).equals(expected);
    const now = Buffer.allocUnsafe(n);
    return readSync(this.fh.fd, now, 0, n, 0) === n && now.equals(expected);
  }

  #restartAtZero(size: number): void {
    // The lines held back are real lines of the old content: emit them before starting over.
    // (A lane that lagged loses the old lines it had not read yet: the content is gone.)
    this.#flushHeld();
    this.host.truncated(this);
    for (const lane of this.lanes) lane.restart(0);
    this.#frontier = 0;
    this.size = size;
    this.#headSize = -1;
    this.lastGrowth = Date.now();
    // Fingerprint the new content as it grows.
    this.identity = identify(this.identity.dev, this.identity.ino, Buffer.alloc(0));
    this.#head = Buffer.alloc(0);
  }

  #wait(): Promise<void> {
    if (this.#woken || this.#closed) return Promise.resolve();
    let ms = this.opts.pollIntervalMs;
    for (const lane of this.lanes) {
      const deadline = lane.assembler.deadline();
      if (deadline !== undefined) ms = Math.min(ms, Math.max(1, deadline - Date.now()));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeup = undefined;
        resolve();
      }, ms);
      this.#wakeup = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function laneStart(start: StartOffsets, sink: string): number {
  const own = sink === '' ? undefined : start.sinks?.[sink];
  return own !== undefined && Number.isSafeInteger(own) && own >= start.offset ? own : start.offset;
}

async function readHead(fh: fsp.FileHandle, n: number): Promise<Buffer> {
  if (n <= 0) return Buffer.alloc(0);
  const buf = Buffer.alloc(n);
  const { bytesRead } = await fh.read(buf, 0, n, 0);
  return buf.subarray(0, bytesRead);
}
