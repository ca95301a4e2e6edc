/**
 * A secret read from a file (a mounted Kubernetes Secret), re-read when the file changes: Kubernetes
 * rotates mounted secrets by swapping a symlink, so the check is on the target's identity and mtime.
 * The value is never logged.
 */
import { readFileSync, statSync } from 'node:fs';

export class SecretFile {
  #value: string | undefined;
  #stamp = '';
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    /** How often (at most) the file is stat'ed to see whether it changed. */
    private readonly checkIntervalMs = 1000,
  ) {}

  /** The current secret (trailing newline trimmed). Throws with a clear message when unreadable. */
  value(now = Date.now()): string {
    if (this.#value !== undefined && now - this.#checkedAt < this.checkIntervalMs) return this.#value;
    this.#checkedAt = now;
    let stamp: string;
    try {
      const s = statSync(this.path);
      stamp = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if (this.#value !== undefined) return this.#value;
      throw new Error(`cannot read secret file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (stamp !== this.#stamp || this.#value === undefined) {
      try {
        this.#value = readFileSync(this.path, 'utf8').replace(/\r?\n$/, '');
        this.#stamp = stamp;
      } catch (error) {
        if (this.#value !== undefined) return this.#value;
        throw new Error(`cannot read secret file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    return this.#value;
  }

  /** Forget the cached value (after a 401/403, re-read at once). */
  invalidate(): void {
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }
}
