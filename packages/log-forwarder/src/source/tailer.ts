/**
 * One open file: reads it from its offset to its end, again whenever it grows, and notices when
 * it is truncated or rotated away.
 *
 * The fd is kept for the file's whole life, so a file renamed or deleted while we read it is read
 * to its end. A rotated file is closed only once it has not grown for `rotate_wait_ms` after we
 * reached its end AND every line read from it has been acknowledged — never on a timer while
 * bytes remain. Its last line, if it has no newline, is emitted then.
 */
import type { promises as fsp } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileCursor } from '../checkpoint/cursor.js';
import type { SourceRecord } from '../multiline/record.js';
import type { EventAssembler } from './assembler.js';
import { type FileIdentity, fingerprint, identify } from './identity.js';
import { type LineBlock, LineSplitter } from './lines.js';

export interface TailerOptions {
  maxLineBytes: number;
  readChunkBytes: number;
  fingerprintBytes: number;
  rotateWaitMs: number;
  pollIntervalMs: number;
}

/** What a tailer needs from the pipeline. */
export interface TailerHost {
  /** Waits until `bytes` more may be read (the in-flight cap). */
  reserve(bytes: number): Promise<void>;
  release(bytes: number): void;
  /** Hands what was read to the sinks; the cursor may move to `safeEnd` once they acknowledge. */
  dispatch(tailer: Tailer, data: { block?: LineBlock; records?: SourceRecord[] }, safeEnd: number): void;
  readBytes(tailer: Tailer, bytes: number): void;
  truncated(tailer: Tailer): void;
  /** The tailer finished (rotated file read, acknowledged and closed) or failed. */
  done(tailer: Tailer): void;
  warn(tailer: Tailer, msg: string, err?: unknown): void;
}

export class Tailer {
  cursor: FileCursor;
  /** Next byte to read (everything before it is in a line handed out or held by the assembler). */
  readOffset: number;
  /** Last size seen. */
  size = 0;
  rotated = false;
  lastGrowth = Date.now();
  readonly splitter: LineSplitter;
  #scanned: number;
  #closed = false;
  #finished = false;
  #wakeup?: () => void;
  #woken = false;
  #drain?: { target: number; resolve: () => void };
  #headSize = -1;
  #running?: Promise<void>;

  private constructor(
    readonly source: string,
    /** Where the file was found; events carry it as `file`. */
    public path: string,
    public identity: FileIdentity,
    readonly fh: fsp.FileHandle,
    offset: number,
    readonly assembler: EventAssembler,
    readonly host: TailerHost,
    readonly opts: TailerOptions,
  ) {
    this.cursor = new FileCursor(offset);
    this.readOffset = offset;
    this.#scanned = offset;
    this.splitter = new LineSplitter(opts.maxLineBytes);
  }

  static async open(
    source: string,
    path: string,
    offset: number | 'end',
    assembler: EventAssembler,
    host: TailerHost,
    opts: TailerOptions,
  ): Promise<Tailer> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      const head = await readHead(fh, Math.min(st.size, opts.fingerprintBytes));
      const identity = identify(st.dev, st.ino, head);
      const start = offset === 'end' ? st.size : offset;
      const t = new Tailer(source, path, identity, fh, start, assembler, host, opts);
      t.size = st.size;
      t.idPrefix = `${st.dev}-${st.ino}-${Math.floor(st.birthtimeMs)}`;
      return t;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Before `run()`: start at `offset` instead (a file found again that we had closed). */
  startAt(offset: number): void {
    this.cursor = new FileCursor(offset);
    this.readOffset = offset;
    this.#scanned = offset;
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

  /** Bytes written and not yet acknowledged. */
  get lag(): number {
    return Math.max(0, this.size - this.cursor.committed);
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
    this.lastGrowth = Date.now();
    this.wake();
  }

  /** Reads what is written now, emits held-back events, then stops reading. */
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
    this.wake();
    await this.fh.close().catch(() => undefined);
  }

  async #loop(): Promise<void> {
    const { opts } = this;
    const readSize = Math.max(opts.readChunkBytes, opts.maxLineBytes + 1);
    while (!this.#closed) {
      this.#woken = false;
      const st = await this.fh.stat();
      if (this.#closed) return;
      if (st.size < this.readOffset || (await this.#contentReplaced(st.size))) {
        this.#restartAtZero(st.size);
        continue;
      }
      if (st.size > this.size) this.lastGrowth = Date.now();
      this.size = st.size;
      const drain = this.#drain;
      const limit = drain ? Math.min(st.size, drain.target) : st.size;
      if (limit > this.#scanned) {
        const want = Math.min(readSize, limit - this.readOffset);
        await this.host.reserve(want);
        let progressed: boolean;
        try {
          progressed = await this.#readOnce(want, false);
        } finally {
          this.host.release(want);
        }
        if (progressed) continue;
      }
      const out: SourceRecord[] = [];
      this.assembler.flushDue(Date.now(), out);
      if (out.length > 0) this.#emitRecords(out);

      if (drain && this.#scanned >= Math.min(drain.target, st.size)) {
        const held: SourceRecord[] = [];
        this.assembler.flush(held);
        if (held.length > 0) this.#emitRecords(held);
        this.#drain = undefined;
        this.#finished = true;
        drain.resolve();
        return;
      }
      if (this.rotated && Date.now() - this.lastGrowth >= opts.rotateWaitMs) {
        await this.#finish();
        return;
      }
      await this.#wait();
    }
  }

  /** Reads once at `readOffset`; returns whether any byte was consumed. */
  async #readOnce(want: number, final: boolean): Promise<boolean> {
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.fh.read(buf, 0, want, this.readOffset);
    if (bytesRead === 0) {
      this.#scanned = this.readOffset;
      return false;
    }
    const chunk = bytesRead === want ? buf : buf.subarray(0, bytesRead);
    const before = this.readOffset;
    const split = this.splitter.split(chunk, before, final);
    this.readOffset = split.consumedTo;
    this.#scanned = before + bytesRead;
    if (split.consumedTo > before) this.host.readBytes(this, split.consumedTo - before);
    if (split.block.starts.length > 0 || split.consumedTo > before) this.#emitBlock(split.block, split.consumedTo);
    return split.consumedTo > before;
  }

  #emitBlock(block: LineBlock, consumedTo: number): void {
    if (this.assembler.fast) {
      this.host.dispatch(this, { block }, consumedTo);
      return;
    }
    const out: SourceRecord[] = [];
    this.assembler.push(block, this.path, new Date().toISOString(), Date.now(), out);
    this.host.dispatch(this, { records: out }, this.assembler.pendingFrom() ?? consumedTo);
  }

  #emitRecords(records: SourceRecord[]): void {
    this.host.dispatch(this, { records }, this.assembler.pendingFrom() ?? this.readOffset);
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
    if (growing) this.identity = identify(identity.dev, identity.ino, head);
    return false;
  }

  #restartAtZero(size: number): void {
    // The lines held back are real lines of the old content: emit them before starting over.
    const held: SourceRecord[] = [];
    this.assembler.flush(held);
    if (held.length > 0) this.#emitRecords(held);
    this.host.truncated(this);
    this.cursor = new FileCursor(0);
    this.readOffset = 0;
    this.#scanned = 0;
    this.size = size;
    this.#headSize = -1;
    this.lastGrowth = Date.now();
    this.splitter.reset();
    // Fingerprint the new content as it grows.
    this.identity = identify(this.identity.dev, this.identity.ino, Buffer.alloc(0));
  }

  /** A rotated file that stopped growing: read the rest (its last line even without newline), wait for the acks, close. */
  async #finish(): Promise<void> {
    const readSize = Math.max(this.opts.readChunkBytes, this.opts.maxLineBytes + 1);
    for (;;) {
      const st = await this.fh.stat();
      this.size = st.size;
      if (this.readOffset >= st.size) break;
      const want = Math.min(readSize, st.size - this.readOffset);
      await this.host.reserve(want);
      try {
        await this.#readOnce(want, this.readOffset + want >= st.size);
      } finally {
        this.host.release(want);
      }
    }
    const held: SourceRecord[] = [];
    this.assembler.flush(held);
    if (held.length > 0) this.#emitRecords(held);
    while (this.cursor.pending > 0 && !this.#closed) await this.#wait();
    if (this.#closed) return;
    this.#finished = true;
    await this.close();
    this.host.done(this);
  }

  #wait(): Promise<void> {
    if (this.#woken || this.#closed) return Promise.resolve();
    let ms = this.opts.pollIntervalMs;
    const deadline = this.assembler.deadline();
    if (deadline !== undefined) ms = Math.min(ms, Math.max(1, deadline - Date.now()));
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

async function readHead(fh: fsp.FileHandle, n: number): Promise<Buffer> {
  if (n <= 0) return Buffer.alloc(0);
  const buf = Buffer.alloc(n);
  const { bytesRead } = await fh.read(buf, 0, n, 0);
  return buf.subarray(0, bytesRead);
}
