/**
 * Watches files that Kubernetes mounts (Secrets, ConfigMaps) and calls back when any changes.
 * Kubernetes swaps a `..data` symlink rather than writing the files, so the parent directories
 * are watched (chokidar, depth 0) and every event there counts; consumers re-read and compare.
 * Symlinks are watched as links (following them hides the `..data` swap: only the new
 * `..<timestamp>` directory would be reported, before the swap). A slow periodic re-read backs
 * the watcher up.
 */
import { dirname } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export class WatchedFiles {
  readonly #watcher: FSWatcher;
  #timer: NodeJS.Timeout | undefined;
  #ready: Promise<void>;

  readonly #poll: NodeJS.Timeout;

  constructor(paths: readonly string[], onChange: () => void, debounceMs = 50, pollMs = 30_000) {
    const dirs = [...new Set(paths.map((p) => dirname(p)))];
    this.#watcher = watch(dirs, { depth: 0, ignoreInitial: true, followSymlinks: false });
    this.#poll = setInterval(onChange, pollMs).unref();
    this.#ready = new Promise((resolve) => this.#watcher.once('ready', () => resolve()));
    this.#watcher.on('all', () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(onChange, debounceMs);
    });
    this.#watcher.on('error', () => {
      // A vanished directory is reported by the next read; nothing to do here.
    });
  }

  /** Resolves once the watcher is armed (tests rotate files only after this). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#poll);
    await this.#watcher.close();
  }
}
