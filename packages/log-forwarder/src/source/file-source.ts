/**
 * One `file` source: discovery, the open files, and finding each checkpointed file again at start.
 *
 * At start every checkpoint entry is looked for: at its path, else in its directory by device and
 * inode (logrotate leaves rotated files there, whatever their new name). Its fingerprint and size
 * decide whether to continue at the offset, restart at 0 (truncated) or treat it as a new file
 * (inode reused). Files next to a checkpointed one whose names start with its name
 * (`app.log.1`, `app.log-2024…`) and that changed after the checkpoint was written are rotations we
 * never saw: they are read from 0, then closed.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import type { CheckpointEntry } from '../checkpoint/store.js';
import type { MultilineOptions } from '../multiline/multiline.js';
import { createParser } from '../parse/index.js';
import { EventAssembler } from './assembler.js';
import { Discovery } from './discovery.js';
import { FailingPaths } from './failing-paths.js';
import { COMPRESSED, compileGlobs, type Globs } from './globs.js';
import { decide, type FileIdentity, fingerprint } from './identity.js';
import type { FileSourceConfig } from './index.js';
import { locate } from './locate.js';
import { type StartOffsets, Tailer, type TailerHost, type TailerOptions } from './tailer.js';

export interface SourceHost extends TailerHost {
  /** A rotated file closed before it was read and acknowledged to its end (a bound was hit): count and log the loss. */
  givenUp(tailer: Tailer, loss: { reason: 'max_open_files' | 'retention_time' | 'retention_bytes'; from: number; to: number }): void;
  opened(tailer: Tailer): void;
  rotated(tailer: Tailer): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  sourceWarn(source: string, msg: string, fields?: Record<string, unknown>): void;
  /** The sinks this source's events reach (one lane each per file); empty if none does. */
  sinksOf(source: string): readonly string[];
}

const KNOWN_MAX = 10_000;
/** Directory passes when looking for unseen rotations while files are being renamed under us. */
const UNSEEN_PASSES = 5;

export class FileSource {
  readonly globs: Globs;
  /** Open files by identity (`dev:ino`). */
  readonly tailers = new Map<string, Tailer>();
  /** Open files by the matching path they are at. */
  readonly byPath = new Map<string, Tailer>();
  /** Files we closed (or failed on), with their committed offset, to continue if found again. */
  readonly #known = new Map<string, { identity: FileIdentity; start: StartOffsets }>();
  readonly #discovery: Discovery;
  readonly #opts: TailerOptions;
  #chain: Promise<void> = Promise.resolve();
  /** Watched paths that changed identity lately: since when a file renamed away from them may be unseen, until when to look. */
  readonly #sweeps = new Map<string, { since: number; until: number }>();
  readonly #sweepMs: number;
  /** Per watched path: when we opened the last file we tailed there. */
  readonly #lastOpenedAt = new Map<string, number>();
  #capWarned = false;
  /** Files that failed to open: warned about once, retried at every rescan. */
  readonly #unreadable = new FailingPaths();
  #stopped = false;
  /**
   * Files opened since `start()` began, read only once `begin()` is called: after the checkpoint
   * that holds their start offsets is written (with `start_at: end` nothing else remembers them).
   */
  #held: Tailer[] | undefined = [];

  constructor(
    readonly name: string,
    readonly config: FileSourceConfig,
    readonly host: SourceHost,
    resolvePath: (p: string) => string,
  ) {
    this.globs = compileGlobs(
      config.include.map((g) => resolvePath(g)),
      config.exclude ?? [],
    );
    this.#opts = {
      maxLineBytes: config.max_line_bytes,
      readChunkBytes: config.read_chunk_bytes,
      fingerprintBytes: config.fingerprint_bytes,
      rotateWaitMs: config.rotate_wait_ms,
      pollIntervalMs: config.poll_interval_ms,
    };
    this.#sweepMs = Math.max(config.rotate_wait_ms, 2 * config.rescan_interval_ms);
    this.#discovery = new Discovery(this.globs, config.rescan_interval_ms, {
      onPath: (p) => this.checkPath(p),
      onRescan: (found) => this.#rescanned(found),
      onWatchError: (err) =>
        host.sourceWarn(name, 'watching failed; the rescan still finds files', { err: err.message, code: 'OUTRIGGER_E_LF_WATCH' }),
      onDirectory: (dir, err) => {
        if (err === undefined) host.info('directory readable again', { source: name, path: dir });
        else
          host.sourceWarn(name, 'cannot read directory', {
            path: dir,
            err: err.message,
            code: 'OUTRIGGER_E_LF_FILE_READ',
            ...hintFor(err),
          });
      },
    });
  }

  #assembler(): EventAssembler {
    const parser = createParser((this.config.parser ?? { type: 'raw' }) as { type: string });
    return new EventAssembler(
      parser,
      this.config.multiline as MultilineOptions | undefined,
      this.config.max_line_bytes,
      this.config.partial_timeout_ms,
    );
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Finds the checkpointed files again, opens every matching file, starts watching. */
  async start(entries: readonly CheckpointEntry[], savedAt: number | undefined): Promise<void> {
    await this.#serial(async () => {
      const found = await this.#discovery.scan();
      const claimed = new Set<string>();
      /** Per watched path, since when files renamed away from it may be unseen (its file was rotated). */
      const rotatedSince = new Map<string, number>();
      for (const e of entries) {
        const loc = await locate(e);
        if (!loc) {
          this.host.sourceWarn(this.name, 'a checkpointed file was not found again; its unread lines are lost', {
            path: e.path,
            offset: e.offset,
            code: 'OUTRIGGER_E_LF_FILE_LOST',
          });
          continue;
        }
        const start: StartOffsets = { offset: e.offset, sinks: e.sinks };
        const d = decide(e, furthest(start), { dev: loc.st.dev, ino: loc.st.ino, size: loc.st.size, head: loc.head });
        if (d.kind === 'different') {
          await loc.fh.close(); // the inode now holds another file: found below as new
          continue;
        }
        const matched = this.globs.matches(loc.path);
        // Same file: each sink resumes at its own offset. Truncated: every sink from 0.
        // A checkpointed file is opened whatever max_open_files says: left out, it would drop out of
        // the checkpoint with its unread lines. It is read through the handle `locate` checked.
        const t = await this.#open(matched ? loc.path : e.path, loc.path, d.kind === 'same' ? start : { offset: 0 }, true, loc.fh);
        if (!t) continue;
        if (e.opened_at !== undefined && e.opened_at < t.openedAt) t.openedAt = e.opened_at;
        if (loc.path !== e.path && e.opened_at !== undefined) {
          rotatedSince.set(e.path, Math.min(e.opened_at, rotatedSince.get(e.path) ?? Number.POSITIVE_INFINITY));
        }
        if (d.kind === 'truncated') this.host.truncated(t);
        if (!matched) t.markRotated();
        else this.#tailAt(loc.path, t);
        claimed.add(t.key);
      }
      if (savedAt !== undefined) await this.#openRotationSiblings(entries, savedAt, claimed);
      // A file renamed away from a path after the file tailed there was opened, and before the
      // checkpoint was written, is older than `saved_at`: the run that could have found it was
      // killed first. Looked for since that file was opened.
      for (const [p, since] of rotatedSince) {
        if (savedAt !== undefined && since < savedAt) {
          await this.#readUnseenRotations(
            p,
            since,
            claimed,
            'reading a file renamed away before it was opened (before the last checkpoint)',
          );
        }
      }
      for (const p of found) {
        if (this.byPath.has(p)) continue;
        let st: Stats;
        try {
          st = await fsp.stat(p);
        } catch {
          continue;
        }
        if (claimed.has(`${st.dev}:${st.ino}`)) continue;
        const fresh = savedAt !== undefined && st.mtimeMs > savedAt;
        const offset = fresh || this.config.start_at !== 'end' ? 0 : 'end';
        const t = await this.#open(p, p, offset);
        if (t) this.#tailAt(p, t);
      }
      // The very first start (no checkpoint), reading from the beginning: the rotations of the
      // files found are read too. The app may have written and rotated before we first came up, or
      // we were killed before our first checkpoint and it rotated while we were down: either way
      // nothing else would ever read those lines.
      if (savedAt === undefined && this.config.start_at !== 'end') {
        for (const p of found) {
          await this.#readUnseenRotations(p, Number.NEGATIVE_INFINITY, claimed, 'reading a rotation that existed at the first start');
        }
      }
    });
    this.#discovery.start();
  }

  /** Starts reading the files opened so far; from now on a file is read as soon as it is opened. */
  begin(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const t of held) if (this.tailers.get(t.key) === t) void t.run();
  }

  async #openRotationSiblings(entries: readonly CheckpointEntry[], savedAt: number, claimed: Set<string>): Promise<void> {
    for (const e of entries) await this.#readUnseenRotations(e.path, savedAt, claimed, 'reading a rotation written while stopped');
  }

  /**
   * Reads the files next to `watched` that are rotations of it (their names start with its name,
   * the globs do not match them), were written after `since` and that we do not know: by identity
   * (open, closed, or in `claimed`) nor by fingerprint (a copy of a file we read). Such a file was
   * renamed away before we opened it — e.g. logrotate's `create` racing an app that reopens its log
   * per write keeps the app's file as `app.log-YYYYMMDDHH.backup`.
   */
  async #readUnseenRotations(watched: string, since: number, claimed: ReadonlySet<string>, msg: string): Promise<void> {
    const dir = path.dirname(watched);
    const base = path.basename(watched);
    const unseen = (st: Stats) => {
      const key = `${st.dev}:${st.ino}`;
      return st.isFile() && st.mtimeMs > since && !claimed.has(key) && !this.tailers.has(key) && !this.#known.has(key);
    };
    // Numbered rotation renames every file each time: a file renamed between our readdir and our
    // open (to a name we may have passed already) makes us look again.
    for (let pass = 0, moved = true; moved && pass < UNSEEN_PASSES; pass++) {
      moved = false;
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        if (name === base || !name.startsWith(base) || COMPRESSED.test(name)) continue;
        const full = path.join(dir, name);
        if (this.globs.matches(full) || this.globs.isExcluded(full)) continue;
        let fh: fsp.FileHandle | undefined;
        try {
          if (!unseen(await fsp.stat(full))) continue;
          fh = await fsp.open(full, 'r');
          // Decide on the file we hold open: the name may hold another one by now.
          if (!unseen(await fh.stat()) || (await this.#isCopyOfKnown(fh))) {
            await fh.close();
            continue;
          }
        } catch {
          await fh?.close().catch(() => undefined);
          moved = true;
          continue;
        }
        const t = await this.#open(watched, full, 0, false, fh);
        if (!t) continue;
        this.host.info(msg, { source: this.name, path: full, file: watched });
        t.markRotated();
      }
    }
  }

  /** Do the first bytes of the open file match the fingerprint of a file we read (a copy of it)? */
  async #isCopyOfKnown(fh: fsp.FileHandle): Promise<boolean> {
    const ids = [...[...this.tailers.values()].map((t) => t.identity), ...[...this.#known.values()].map((k) => k.identity)];
    const longest = Math.max(0, ...ids.map((i) => i.fp_len));
    if (longest === 0) return false;
    const buf = Buffer.alloc(longest);
    const { bytesRead } = await fh.read(buf, 0, longest, 0);
    const head = buf.subarray(0, bytesRead);
    return ids.some((i) => i.fp_len > 0 && head.length >= i.fp_len && fingerprint(head.subarray(0, i.fp_len)) === i.fp);
  }

  /**
   * Opens `real` (events carry `display` as their file), registers it and starts reading. With
   * `fh`, reads the file open there (checked by the caller) and owns the handle.
   */
  async #open(
    display: string,
    real: string,
    offset: number | 'end' | StartOffsets,
    checkpointed = false,
    fh?: fsp.FileHandle,
  ): Promise<Tailer | undefined> {
    if (!checkpointed && !(await this.#roomToOpen(real))) {
      await fh?.close().catch(() => undefined);
      return undefined;
    }
    let t: Tailer;
    try {
      const first = typeof offset === 'object' ? offset.offset : offset;
      t = await Tailer.open(this.name, real, first, this.host.sinksOf(this.name), () => this.#assembler(), this.host, this.#opts, fh);
      if (typeof offset === 'object') t.startAt(offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT')
        this.#unreadable.cleared(real); // gone: a new file there is warned about anew
      else if (this.#unreadable.failed(real, code)) {
        this.host.sourceWarn(this.name, 'cannot open file', {
          path: real,
          err: (err as Error).message,
          code: 'OUTRIGGER_E_LF_FILE_READ',
          ...hintFor(err as NodeJS.ErrnoException),
        });
      }
      return undefined;
    }
    if (this.#unreadable.cleared(real)) this.host.info('file readable again', { source: this.name, path: real });
    const existing = this.tailers.get(t.key);
    if (existing) {
      await t.close();
      return existing;
    }
    // A file we tailed before and closed: continue where it was acknowledged.
    const known = this.#known.get(t.key);
    if (known) {
      this.#known.delete(t.key);
      const head = await t.head(known.identity.fp_len).catch(() => Buffer.alloc(0));
      const d = decide(known.identity, furthest(known.start), { dev: t.identity.dev, ino: t.identity.ino, size: t.size, head });
      if (d.kind === 'same') t.startAt(known.start);
    }
    t.path = display;
    this.tailers.set(t.key, t);
    this.host.opened(t);
    if (this.#held) this.#held.push(t);
    else void t.run();
    return t;
  }

  /**
   * Is there a slot under `max_open_files`? At the cap the rotated file rotated out longest ago is
   * given up; with none rotated, the new file waits (found again at the next rescan).
   */
  async #roomToOpen(real: string): Promise<boolean> {
    if (this.tailers.size < this.config.max_open_files) return true;
    const oldest = this.#rotatedOldestFirst()[0];
    if (oldest) {
      await this.#giveUp(oldest, 'max_open_files');
      return true;
    }
    if (!this.#capWarned) {
      this.#capWarned = true;
      this.host.sourceWarn(this.name, 'max_open_files reached; new files wait for a free slot', {
        path: real,
        max_open_files: this.config.max_open_files,
        code: 'OUTRIGGER_E_LF_MAX_OPEN_FILES',
      });
    }
    return false;
  }

  #rotatedOldestFirst(): Tailer[] {
    return [...this.tailers.values()].filter((t) => t.rotated && !t.closed).sort((a, b) => a.rotatedAt - b.rotatedAt);
  }

  /** Gives up rotated files held longer than `rotated_retention_ms` or over `rotated_retention_bytes`. */
  async #enforceRetention(): Promise<void> {
    const { rotated_retention_ms: maxMs, rotated_retention_bytes: maxBytes } = this.config;
    const rotated = this.#rotatedOldestFirst();
    const now = Date.now();
    let held = rotated.reduce((n, t) => n + t.size, 0);
    for (const t of rotated) {
      if (maxMs > 0 && now - t.rotatedAt > maxMs) await this.#giveUp(t, 'retention_time');
      else if (maxBytes > 0 && held > maxBytes) await this.#giveUp(t, 'retention_bytes');
      else continue;
      held -= t.size;
    }
  }

  async #giveUp(t: Tailer, reason: 'max_open_files' | 'retention_time' | 'retention_bytes'): Promise<void> {
    this.host.givenUp(t, { reason, from: t.committed, to: t.size });
    await t.close();
    this.host.done(t);
  }

  /**
   * Look at `p` again: a rotation away from it, a new file at it. After `p` changed identity, and
   * for a while after (the rename of a file we never saw may come a moment later), also look for
   * rotations of it that we never opened.
   */
  checkPath(p: string): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      await this.#checkPath(p);
      const sweep = this.#sweeps.get(p);
      if (!sweep) return;
      if (Date.now() > sweep.until) this.#sweeps.delete(p);
      await this.#readUnseenRotations(p, sweep.since, new Set(), 'reading a file renamed away from a watched path before it was opened');
    });
  }

  async #checkPath(p: string): Promise<void> {
    {
      const t = this.byPath.get(p);
      let st: Stats | undefined;
      try {
        st = await fsp.stat(p);
      } catch {
        st = undefined;
      }
      if (t && (!st || st.dev !== t.identity.dev || st.ino !== t.identity.ino)) {
        this.byPath.delete(p);
        this.#sweepSoon(p, t.openedAt);
        // Still tailed under another name the globs match (renamed within the globs)?
        const elsewhere = [...this.byPath.values()].includes(t);
        if (!elsewhere) {
          t.markRotated();
          this.host.rotated(t);
        }
        this.#discovery.rescanSoon();
      }
      if (!st?.isFile() || !this.globs.matches(p)) return;
      const existing = this.tailers.get(`${st.dev}:${st.ino}`);
      if (existing) {
        if (!this.byPath.has(p)) {
          // Renamed to another name the globs match: keep tailing it there.
          this.byPath.set(p, existing);
          existing.path = p;
          existing.rotated = false;
        }
        existing.wake();
        return;
      }
      if (this.byPath.has(p)) return;
      // A file that appeared while we run is read from its beginning. Files that were at `p`
      // since the last one we opened there, and are renamed away already, are looked for too.
      const last = this.#lastOpenedAt.get(p);
      if (last !== undefined) this.#sweepSoon(p, last);
      const opened = await this.#open(p, p, 0);
      if (opened) this.#tailAt(p, opened);
    }
  }

  /** Look for unseen rotations of `p` written since `since`, now and for `#sweepMs`. */
  #sweepSoon(p: string, since: number): void {
    const prev = this.#sweeps.get(p)?.since ?? Number.POSITIVE_INFINITY;
    this.#sweeps.set(p, { since: Math.min(since, prev), until: Date.now() + this.#sweepMs });
  }

  #tailAt(p: string, t: Tailer): void {
    this.byPath.set(p, t);
    this.#lastOpenedAt.delete(p);
    this.#lastOpenedAt.set(p, t.openedAt);
    if (this.#lastOpenedAt.size > KNOWN_MAX) {
      const first = this.#lastOpenedAt.keys().next().value;
      if (first !== undefined) this.#lastOpenedAt.delete(first);
    }
  }

  #rescanned(found: string[]): void {
    void this.#serial(() => this.#enforceRetention());
    const seen = new Set(found);
    for (const p of this.#sweeps.keys()) void this.checkPath(p);
    for (const p of found) if (!this.byPath.has(p)) void this.checkPath(p);
    for (const p of [...this.byPath.keys()]) if (!seen.has(p)) void this.checkPath(p);
    // A path whose file was replaced without a watch event (same name, new inode).
    for (const [p, t] of this.byPath) {
      void fsp.stat(p).then(
        (st) => {
          if (st.dev !== t.identity.dev || st.ino !== t.identity.ino) void this.checkPath(p);
        },
        () => void this.checkPath(p),
      );
    }
  }

  /** The tailer finished or failed: forget it, remember where it stopped. */
  forget(t: Tailer): void {
    if (this.tailers.get(t.key) === t) this.tailers.delete(t.key);
    for (const [p, v] of this.byPath) if (v === t) this.byPath.delete(p);
    this.#known.set(t.key, { identity: t.identity, start: { offset: t.committed, sinks: t.sinkOffsets() } });
    if (this.#known.size > KNOWN_MAX) {
      const first = this.#known.keys().next().value;
      if (first !== undefined) this.#known.delete(first);
    }
  }

  /** Stop discovering; read what is written now; emit held-back events. */
  async drain(): Promise<void> {
    this.#stopped = true;
    await this.#discovery.close();
    await this.#chain;
    await Promise.all([...this.tailers.values()].map((t) => t.drain()));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#discovery.close();
    await this.#chain;
    await Promise.all([...this.tailers.values()].map((t) => t.close()));
  }
}

/** The furthest any sink got: a file now shorter than that was truncated. */
function furthest(start: StartOffsets): number {
  let max = start.offset;
  for (const o of Object.values(start.sinks ?? {})) if (o > max) max = o;
  return max;
}

/** What to change when a permission error keeps the forwarder's user from the app's logs. */
function hintFor(err: NodeJS.ErrnoException): { hint?: string } {
  if (err.code !== 'EACCES' && err.code !== 'EPERM') return {};
  const who = process.getuid ? `uid ${process.getuid()}, gid ${process.getgid?.()}` : 'its user';
  return {
    hint: `the forwarder (${who}) may not read it: make the app's log files and directories readable to it, e.g. group-readable and the pod's securityContext.fsGroup`,
  };
}
