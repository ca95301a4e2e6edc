/**
 * The checkpoint file: where each file's committed offset is kept across restarts.
 *
 * Written atomically: the new content goes to `checkpoints.json.tmp` (fsync), the current file is
 * kept as `checkpoints.json.bak` (a hard link, so the current one is never missing), the tmp file
 * is renamed over `checkpoints.json` and the directory is fsynced. A missing, empty or corrupt
 * `checkpoints.json` gives a warning and the backup is used: the backup is older, so the worst
 * case is lines delivered twice, never lines lost.
 */
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FileIdentity } from '../source/identity.js';

export interface CheckpointEntry extends FileIdentity {
  /** The source (config name) that tails the file. */
  source: string;
  /** The path the file was found at (it may have been renamed since). */
  path: string;
  /** Committed offset: every line before it was acknowledged by every sink that received it. */
  offset: number;
  /**
   * Per sink: the offset up to which that sink acknowledged (or was handed nothing of) the file's
   * lines; at least `offset`. After a restart each sink resumes at its own offset, so a sink that
   * was ahead gets no repeats. A sink missing here (added since) starts at `offset`.
   */
  sinks?: Record<string, number>;
  /**
   * When the file was first opened (ms since the epoch, kept across restarts). Found at another
   * name at start, it was rotated away: files renamed away from its path since then may be ones
   * no run ever saw (a kill can come before the run that saw the rotation looked for them).
   */
  opened_at?: number;
}

export interface CheckpointState {
  version: 1;
  /** When this state was written (ms since the epoch). Files changed after it are new to us. */
  saved_at: number;
  files: CheckpointEntry[];
}

export interface LoadResult {
  state: CheckpointState | null;
  /** Human-readable problems (corrupt file, backup used). */
  warnings: string[];
  /** Which file the state came from. */
  from: 'main' | 'backup' | 'none';
}

export const CHECKPOINT_FILE = 'checkpoints.json';

function isEntry(v: unknown): v is CheckpointEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.source === 'string' &&
    typeof e.path === 'string' &&
    Number.isSafeInteger(e.offset) &&
    Number.isSafeInteger(e.dev) &&
    Number.isSafeInteger(e.ino) &&
    Number.isSafeInteger(e.fp_len) &&
    typeof e.fp === 'string' &&
    (e.opened_at === undefined || typeof e.opened_at === 'number') &&
    (e.sinks === undefined ||
      (typeof e.sinks === 'object' &&
        e.sinks !== null &&
        !Array.isArray(e.sinks) &&
        Object.values(e.sinks).every((o) => Number.isSafeInteger(o) && (o as number) >= 0)))
  );
}

/** Parses checkpoint text; throws with a reason if it is not a valid checkpoint. */
export function parseCheckpoint(text: string): CheckpointState {
  if (text.trim() === '') throw new Error('the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  const d = data as Partial<CheckpointState> | null;
  if (d?.version !== 1 || !Array.isArray(d.files) || typeof d.saved_at !== 'number') {
    throw new Error('not a version 1 checkpoint');
  }
  const bad = d.files.findIndex((f) => !isEntry(f));
  if (bad >= 0) throw new Error(`files[${bad}] is malformed`);
  return d as CheckpointState;
}

export class CheckpointStore {
  readonly file: string;
  readonly backup: string;
  readonly #tmp: string;
  #dirReady = false;

  constructor(readonly dir: string) {
    this.file = path.join(dir, CHECKPOINT_FILE);
    this.backup = `${this.file}.bak`;
    this.#tmp = `${this.file}.tmp`;
  }

  async load(): Promise<LoadResult> {
    const warnings: string[] = [];
    const main = await this.#read(this.file);
    if (main.state) return { state: main.state, warnings, from: 'main' };
    const backup = await this.#read(this.backup);
    if (main.error) {
      warnings.push(
        `checkpoint ${this.file} is unusable (${main.error}); ${backup.state ? `using the backup ${this.backup}` : 'no usable backup, starting without checkpoints'}`,
      );
    } else if (backup.state) {
      warnings.push(`checkpoint ${this.file} is missing; using the backup ${this.backup}`);
    }
    if (backup.state) return { state: backup.state, warnings, from: 'backup' };
    if (backup.error && !main.error) warnings.push(`checkpoint backup ${this.backup} is unusable (${backup.error})`);
    return { state: null, warnings, from: 'none' };
  }

  async #read(file: string): Promise<{ state?: CheckpointState; error?: string }> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      return { error: (err as Error).message };
    }
    try {
      return { state: parseCheckpoint(text) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  async save(state: CheckpointState): Promise<void> {
    if (!this.#dirReady) {
      await fsp.mkdir(this.dir, { recursive: true });
      this.#dirReady = true;
    }
    const fh = await fsp.open(this.#tmp, 'w', 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(state)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // Keep the current copy as the backup. A hard link leaves checkpoints.json in place, so there
    // is no moment without one; fall back to a copy where links are not supported.
    const bakTmp = `${this.backup}.tmp`;
    await fsp.rm(bakTmp, { force: true });
    try {
      await fsp.link(this.file, bakTmp);
      await fsp.rename(bakTmp, this.backup);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        await fsp.copyFile(this.file, this.backup).catch(() => undefined);
      }
    }
    await fsp.rename(this.#tmp, this.file);
    const dirFh = await fsp.open(this.dir, constants.O_RDONLY);
    try {
      await dirFh.sync();
    } finally {
      await dirFh.close();
    }
  }
}
