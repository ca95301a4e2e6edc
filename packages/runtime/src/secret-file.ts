/**
 * A secret read from a file (a mounted Kubernetes Secret): read once, then re-read when the file
 * changes (`WatchedFiles`), so `value()` on the hot path is an in-memory read. A file that becomes
 * unreadable, empty or refused by `parse` keeps the last good value in force. The value is never
 * logged; error messages name the path, never the content.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { WatchedFiles, type WatchedFilesOptions } from './watched-files.js';

export type SecretFileEvent =
  | { type: 'loaded' }
  | { type: 'rotated' }
  /** `kept`: a last good value is still in force. `reason` names the path, never the content. */
  | { type: 'unusable'; reason: string; kept: boolean };

export interface SecretFileOptions extends WatchedFilesOptions {
  /**
   * Turns the file's text (trailing line breaks removed) into the value; throw to refuse it
   * (the message must not quote the text).
   */
  parse?: (text: string) => string;
  /** Told when the value is first loaded, rotated, or cannot be (re)read; for the caller's logs. */
  onEvent?: (event: SecretFileEvent) => void;
}

export class SecretFile {
  readonly path: string;
  readonly #parse: (text: string) => string;
  readonly #onEvent: (event: SecretFileEvent) => void;
  readonly #watch: WatchedFiles;
  readonly #ready: Promise<void>;
  #value: string | undefined;
  #error: string | undefined;
  #loading: Promise<void> | undefined;

  /** Reads the file now (synchronously, once) and starts watching it. */
  constructor(path: string, options: SecretFileOptions = {}) {
    this.path = path;
    this.#parse = options.parse ?? ((text) => text);
    this.#onEvent = options.onEvent ?? (() => undefined);
    this.#readSync();
    this.#watch = new WatchedFiles([path], () => void this.reload(), options);
    // Once more when armed: a change between the first read and the watch is not missed.
    this.#ready = this.#watch.ready().then(() => this.reload());
  }

  /**
   * The secret. Throws (with the path and the reason, never the content) while no good value was
   * ever read; until then each call retries the read, so a file that appears is used at once.
   */
  value(): string {
    if (this.#value === undefined) this.#readSync();
    if (this.#value === undefined) throw new Error(this.#error);
    return this.#value;
  }

  /** The last good value, or undefined while there is none (no read attempted). */
  get current(): string | undefined {
    return this.#value;
  }

  /** Why there is no value, or undefined when there is one. */
  get error(): string | undefined {
    return this.#value === undefined ? this.#error : undefined;
  }

  /** Resolves once the watcher is armed. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Re-reads the file now, e.g. after a 401: a rotated secret the watcher has not reported yet is picked up. */
  reload(): Promise<void> {
    // Serialised, so a slow read never overwrites a newer value.
    this.#loading = (this.#loading ?? Promise.resolve()).then(async () => {
      let text: string;
      try {
        text = await readFile(this.path, 'utf8');
      } catch (error) {
        this.#failed(`cannot read secret file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        return;
      }
      this.#accept(text);
    });
    return this.#loading;
  }

  async close(): Promise<void> {
    await this.#watch.close();
    await this.#ready;
    await this.#loading;
  }

  #readSync(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      this.#failed(`cannot read secret file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return;
    }
    this.#accept(text);
  }

  #accept(text: string): void {
    const trimmed = text.replace(/[\r\n]+$/, '');
    if (trimmed === '') {
      this.#failed(`secret file ${this.path} is empty`);
      return;
    }
    let value: string;
    try {
      value = this.#parse(trimmed);
    } catch (error) {
      this.#failed(`secret file ${this.path}: ${(error as Error).message}`);
      return;
    }
    const previous = this.#value;
    this.#value = value;
    this.#error = undefined;
    if (previous === undefined) this.#onEvent({ type: 'loaded' });
    else if (previous !== value) this.#onEvent({ type: 'rotated' });
  }

  #failed(reason: string): void {
    // Reported once per distinct reason, not on every retry of a broken file.
    if (reason === this.#error) return;
    this.#error = reason;
    this.#onEvent({ type: 'unusable', reason, kept: this.#value !== undefined });
  }
}
