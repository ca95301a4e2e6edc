/**
 * Paths that fail to open or list, each with its last error code: a condition that lasts (a file
 * the forwarder may not read) is reported once, not at every rescan, and its end once too.
 */
export class FailingPaths {
  readonly #codes = new Map<string, string>();

  /** At most `max` paths are remembered (the oldest is forgotten, so reported again). */
  constructor(readonly max = 1024) {}

  /** `path` failed with `code`: true when that is news (first failure, or another error). */
  failed(path: string, code: string): boolean {
    if (this.#codes.get(path) === code) return false;
    this.#codes.delete(path); // re-inserted last: the oldest are at the front
    this.#codes.set(path, code);
    if (this.#codes.size > this.max) this.#codes.delete(this.#codes.keys().next().value as string);
    return true;
  }

  /** `path` opened, or is gone: true when it had been failing. */
  cleared(path: string): boolean {
    return this.#codes.delete(path);
  }
}
