/**
 * Discovery: which files the include / exclude globs match, now and as they come and go.
 * chokidar watches each include's base directory; a periodic rescan backs it up (watch events get
 * lost on some volume types: NFS, some overlay and FUSE mounts). Symlinks are followed (`stat`),
 * a dangling link is skipped.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { FailingPaths } from './failing-paths.js';
import type { Globs } from './globs.js';

export interface DiscoveryEvents {
  /** Something happened at `p` (created, changed, removed): look at it. */
  onPath(p: string): void;
  /** A rescan finished; `found` is every matching regular file. */
  onRescan(found: string[]): void;
  onWatchError(err: Error): void;
  /** A directory to search could not be read (not: does not exist), or can again (`err` undefined). */
  onDirectory(dir: string, err: NodeJS.ErrnoException | undefined): void;
}

export class Discovery {
  #watcher?: FSWatcher;
  #timer?: NodeJS.Timeout;
  #scanning = false;
  #closed = false;
  readonly #unreadable = new FailingPaths();

  constructor(
    readonly globs: Globs,
    readonly rescanIntervalMs: number,
    readonly events: DiscoveryEvents,
  ) {}

  /** Every regular file (symlinks followed) the globs match now. */
  async scan(): Promise<string[]> {
    const found = new Set<string>();
    for (const inc of this.globs.includes) await this.#walk(inc.base, inc.depth, found);
    return [...found].sort();
  }

  async #walk(dir: string, depth: number, found: Set<string>): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const code = err.code ?? 'EIO';
      // Missing: nothing to tail there yet. Unreadable: nothing either, but said once.
      if (code === 'ENOENT' || code === 'ENOTDIR') this.#unreadable.cleared(dir);
      else if (this.#unreadable.failed(dir, code)) this.events.onDirectory(dir, err);
      return;
    }
    if (this.#unreadable.cleared(dir)) this.events.onDirectory(dir, undefined);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = await fsp.stat(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isFile && this.globs.matches(full)) found.add(full);
      else if (isDir && depth > 0) await this.#walk(full, depth - 1, found);
    }
  }

  start(): void {
    const bases = [...new Set(this.globs.includes.map((i) => i.base))];
    const depth = Math.max(...this.globs.includes.map((i) => i.depth));
    this.#watcher = watch(bases, {
      ignoreInitial: true,
      followSymlinks: true,
      depth: Number.isFinite(depth) ? depth : undefined,
      ignorePermissionErrors: true,
      ignored: (p, stats) => (stats?.isFile() ? !this.globs.matches(p) : false),
    });
    const on = (p: string) => {
      if (!this.#closed) this.events.onPath(p);
    };
    this.#watcher.on('add', on).on('change', on).on('unlink', on);
    this.#watcher.on('error', (err) => this.events.onWatchError(err as Error));
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#rescan(), this.rescanIntervalMs);
    this.#timer.unref?.();
  }

  async #rescan(): Promise<void> {
    if (this.#scanning || this.#closed) return;
    this.#scanning = true;
    try {
      const found = await this.scan();
      if (!this.#closed) this.events.onRescan(found);
    } finally {
      this.#scanning = false;
      this.#schedule();
    }
  }

  /** Rescan now (e.g. after a rotation was noticed). */
  rescanSoon(): void {
    void this.#rescan();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#watcher?.close();
  }
}
