/**
 * Watches files and calls back when one of them changes: its identity (device, inode, size,
 * times) or its content, compared on every event rather than trusted from the event itself.
 *
 * Built on `node:fs` `watch` of the parent directories (no dependency: the runtime goes in every
 * sidecar). Directories are watched, not files, because Kubernetes never writes a mounted
 * ConfigMap or Secret in place: the kubelet writes a new `..<timestamp>` directory, points a
 * `..data_tmp` symlink at it and renames that over `..data`, and the visible `name` is a symlink
 * `name -> ..data/name`. That rename happens in the directory that holds `name`, so watching it
 * sees the swap; the directory of the resolved target is watched as well, for a path that is a
 * symlink to a file elsewhere that is edited in place. A directory that does not exist (yet, or
 * any more) is replaced by its nearest existing ancestor until it reappears. Events are debounced,
 * and a slow periodic check backs the watchers up (inotify can overflow, mounts can swap).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { crc32 } from 'node:zlib';

export interface WatchedFilesOptions {
  /** Quiet time after the last event before the files are compared (default 100 ms). */
  debounceMs?: number;
  /** Period of the backup check that needs no event (default 30 s; 0 turns it off). */
  pollMs?: number;
}

/** Files up to this size are also compared by content (a rewrite within one timestamp tick). */
const HASHED_BYTES = 1024 * 1024;

export class WatchedFiles {
  readonly #paths: readonly string[];
  readonly #onChange: () => void;
  readonly #debounceMs: number;
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #ready: Promise<void>;
  readonly #poll: NodeJS.Timeout | undefined;
  #fingerprints: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #burstStart: number | undefined;
  #checking: Promise<void> | undefined;
  #again = false;
  #closed = false;

  /** `onChange` runs (debounced) after any of `paths` changed; it is not told which. */
  constructor(paths: readonly string[], onChange: () => void, options: WatchedFilesOptions = {}) {
    this.#paths = [...new Set(paths.map((p) => resolve(p)))];
    this.#onChange = onChange;
    this.#debounceMs = options.debounceMs ?? 100;
    const pollMs = options.pollMs ?? 30_000;
    if (pollMs > 0) this.#poll = setInterval(() => void this.#check(), pollMs).unref();
    this.#ready = this.#start();
  }

  /** Resolves once the watchers are armed and the files' first state is known. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#poll);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    await this.#checking;
  }

  async #start(): Promise<void> {
    // Armed first, so that a change while the first state is taken is not missed.
    await this.#arm();
    this.#fingerprints = await Promise.all(this.#paths.map(fingerprint));
  }

  /** Debounced: a burst of events leads to one comparison, at most 10 debounce periods late. */
  #event(): void {
    if (this.#closed) return;
    const now = Date.now();
    this.#burstStart ??= now;
    clearTimeout(this.#timer);
    const wait = Math.max(0, Math.min(this.#debounceMs, this.#burstStart + 10 * this.#debounceMs - now));
    this.#timer = setTimeout(() => {
      this.#burstStart = undefined;
      void this.#check();
    }, wait);
  }

  /** Compares the files with their last state (one comparison at a time; one more if asked meanwhile). */
  #check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return this.#checking;
    }
    const run = async () => {
      await this.#ready;
      do {
        this.#again = false;
        if (this.#closed) return;
        const next = await Promise.all(this.#paths.map(fingerprint));
        // The directories to watch move with the files (a new `..<timestamp>` target, a
        // directory that appeared or vanished).
        await this.#arm();
        if (this.#closed) return;
        const changed = next.some((f, i) => f !== this.#fingerprints[i]);
        this.#fingerprints = next;
        if (changed) this.#onChange();
      } while (this.#again);
    };
    this.#checking = run().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  /** Watches exactly the directories the files need now. */
  async #arm(): Promise<void> {
    const wanted = new Set<string>();
    for (const path of this.#paths) {
      wanted.add(await existingDir(dirname(path)));
      const target = await realpath(path).catch(() => undefined);
      if (target !== undefined && target !== path) wanted.add(await existingDir(dirname(target)));
    }
    if (this.#closed) return;
    for (const [dir, watcher] of this.#watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#event());
        watcher.on('error', () => {
          // The directory went away (or the watch broke): forget it, and let a check re-arm.
          watcher.close();
          if (this.#watchers.get(dir) === watcher) this.#watchers.delete(dir);
          this.#event();
        });
        this.#watchers.set(dir, watcher);
      } catch {
        // Vanished between the check and the watch: the next event or poll re-arms.
      }
    }
  }
}

/** `dir`, or its nearest ancestor that exists (watching that sees `dir` appear). */
async function existingDir(dir: string): Promise<string> {
  for (let current = dir; ; current = dirname(current)) {
    const isDir = await stat(current).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir || dirname(current) === current) return current;
  }
}

/** What a file is now (following symlinks), or why it cannot be read. */
async function fingerprint(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    let id = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    if (s.isFile() && s.size <= HASHED_BYTES)
      // A checksum, not a cryptographic hash: it only tells a rewrite apart, and zlib costs a
      // fraction of what loading node:crypto does (docs/benchmarks.md "Footprint").
      id += `:${crc32(await readFile(path))}`;
    return id;
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}
