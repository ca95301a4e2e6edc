/**
 * The log destination: stdout, bounded, and unable to block or hang the process.
 *
 * A sidecar's stdout is a pipe to the container runtime. When nobody reads it (a stalled log
 * shipper, a full node disk), a plain async logger (pino's sonic-boom) goes wrong three ways:
 * every line is kept in the heap until the pod is OOM-killed; the write blocked in libuv's
 * threadpool holds one of its four threads (the ones file reads need) forever; and that blocked
 * thread keeps the process from exiting at all (Node joins the threadpool on exit), so SIGTERM
 * ends in SIGKILL. Here instead:
 *
 * - stdout is written through a non-blocking descriptor, from the main thread: a full pipe
 *   answers EAGAIN at once, and the write is retried a moment later (1 ms, doubling to 100 ms);
 * - lines logged in one turn of the event loop go out in one write;
 * - the buffer is bounded: lines beyond it are dropped and counted;
 * - `flushSync()` (before `process.exit`, and on the process's 'exit' event) writes what is
 *   buffered, gives a busy stdout up to a second, and skips one that has taken nothing lately.
 */
import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';

export interface LogStreamOptions {
  fd: number;
  /** Bound of the buffer in bytes. */
  maxBufferBytes: number;
  /** At exit, stdout counts as stalled when it took nothing for this long with lines pending. */
  stalledAfterMs: number;
}

/** At exit, how long `flushSync()` keeps retrying a stdout that says "try again" (EAGAIN). */
const exitFlushMs = 1000;
const retryMinMs = 1;
const retryMaxMs = 100;
/** Bytes handed to one write(2); a pipe takes 64 KiB at a time anyway. */
const maxWriteBytes = 256 * 1024;

// Handles kept so that the GC closing them never closes the descriptor under us.
const kept: Socket[] = [];

/**
 * A non-blocking descriptor for `fd`. A pipe (FIFO) is opened again through /proc: a descriptor
 * of our own, so the flag does not leak to others sharing the original (a shell, a parent). A
 * socket (what Node gives a child for `stdio: 'pipe'`) cannot be reopened; libuv makes it
 * non-blocking when a handle is opened on it. Terminals and files are left as they are.
 */
function nonBlocking(fd: number): number {
  let kind: 'fifo' | 'socket' | 'other';
  try {
    const stat = fstatSync(fd);
    kind = stat.isFIFO() ? 'fifo' : stat.isSocket() ? 'socket' : 'other';
  } catch {
    return fd;
  }
  if (kind === 'fifo') {
    try {
      return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      // No /proc (not Linux): make the shared descriptor non-blocking instead.
    }
  }
  if (kind !== 'other') {
    try {
      kept.push(new Socket({ fd, readable: false, writable: false }));
    } catch {
      // Not a handle libuv can open: it stays blocking.
    }
  }
  return fd;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class LogStream {
  readonly #fd: number;
  readonly #options: LogStreamOptions;
  /** Lines waiting, oldest first; `#head` is the unwritten rest of a partly written chunk. */
  #lines: string[] = [];
  #head: Buffer | undefined;
  #headLines = 0;
  #bytes = 0;
  #scheduled = false;
  #retryMs = retryMinMs;
  #closed = false;
  #dropped = 0;
  #droppedSinceReport = 0;
  // When the oldest waiting line was queued, or stdout last took something.
  #waitingSince = Date.now();
  /** Called when stdout took something after lines were dropped. */
  onProgress?: () => void;

  constructor(options: LogStreamOptions) {
    this.#options = options;
    this.#fd = nonBlocking(options.fd);
    process.on('exit', () => this.flushSync());
  }

  /** pino's destination interface: one line per call. Never throws, never blocks. */
  write(line: string): boolean {
    const size = Buffer.byteLength(line);
    if (this.#closed || this.#bytes + size > this.#options.maxBufferBytes) {
      this.#dropped++;
      this.#droppedSinceReport++;
      return true;
    }
    if (this.#bytes === 0) this.#waitingSince = Date.now();
    this.#lines.push(line);
    this.#bytes += size;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
    return true;
  }

  /** Lines dropped so far (buffer full, or stdout closed). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Lines dropped since the last call (for the "stdout did not keep up" warning). */
  takeDroppedSinceReport(): number {
    const n = this.#droppedSinceReport;
    this.#droppedSinceReport = 0;
    return n;
  }

  /** Whether a line of up to 1 KiB would be buffered now rather than dropped. */
  hasRoom(): boolean {
    return this.#bytes + 1024 <= this.#options.maxBufferBytes;
  }

  /** Writes what is buffered before the process exits. Never throws; waits at most about a second. */
  flushSync(): void {
    if (this.#bytes === 0 || this.#closed) return;
    // Lines stdout has not taken for a while will not be taken in the next second either.
    if (Date.now() - this.#waitingSince >= this.#options.stalledAfterMs) return;
    const deadline = Date.now() + exitFlushMs;
    let pause = retryMinMs;
    while (this.#bytes > 0 && !this.#closed) {
      if (this.#writeSome() === 'full') {
        if (Date.now() >= deadline) return;
        Atomics.wait(sleeper, 0, 0, pause);
        pause = Math.min(pause * 2, retryMaxMs);
      }
    }
  }

  #drain(): void {
    this.#scheduled = false;
    let wrote = false;
    while (this.#bytes > 0 && !this.#closed) {
      const result = this.#writeSome();
      if (result === 'wrote') {
        wrote = true;
        continue;
      }
      if (result === 'full') {
        this.#scheduled = true;
        setTimeout(() => this.#drain(), this.#retryMs).unref();
        this.#retryMs = Math.min(this.#retryMs * 2, retryMaxMs);
      }
      break;
    }
    if (wrote) {
      this.#retryMs = retryMinMs;
      if (this.#droppedSinceReport > 0) this.onProgress?.();
    }
  }

  /** One write(2) of what is waiting: 'wrote' something, stdout 'full', or 'closed'. */
  #writeSome(): 'wrote' | 'full' | 'closed' {
    let chunk = this.#head;
    if (!chunk) {
      let size = 0;
      let n = 0;
      while (n < this.#lines.length && (n === 0 || size < maxWriteBytes)) size += (this.#lines[n++] as string).length;
      chunk = Buffer.from(n === this.#lines.length ? this.#lines.join('') : this.#lines.slice(0, n).join(''));
      this.#lines = n === this.#lines.length ? [] : this.#lines.slice(n);
      this.#headLines = n;
    }
    let written: number;
    try {
      written = writeSync(this.#fd, chunk);
    } catch (error) {
      this.#head = chunk;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return 'full';
      // EPIPE (nobody will ever read) or worse: what is waiting, and every later line, is dropped.
      this.#closed = true;
      this.#dropped += this.#lines.length + this.#headLines;
      this.#lines = [];
      this.#head = undefined;
      this.#bytes = 0;
      return 'closed';
    }
    this.#head = written < chunk.length ? chunk.subarray(written) : undefined;
    if (!this.#head) this.#headLines = 0;
    this.#bytes -= written;
    this.#waitingSince = Date.now();
    return 'wrote';
  }
}
