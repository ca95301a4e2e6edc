/**
 * Finding a checkpointed file again at start: at its path, else by device and inode in its
 * directory (or its symlink target's), whatever it was renamed to while we were stopped.
 *
 * The file is returned open, its identity checked on the open handle: logrotate may rename it
 * again between our look at a name and our open of it (numbered rotation renames every file each
 * time), and opening by name after that gets ENOENT or another file. So a name that no longer holds
 * the file makes us look again, a few times, before the file counts as gone.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import type { CheckpointEntry } from '../checkpoint/store.js';

export interface Located {
  path: string;
  /** Of the open handle. */
  st: Stats;
  /** The first `fp_len` bytes (fewer if the file is shorter now). */
  head: Buffer;
  /** Open on the file; the caller owns it. */
  fh: fsp.FileHandle;
}

export interface LocateHooks {
  /** Called between finding the file's name and opening it (tests use it to rename the file there). */
  beforeOpen?: (file: string) => Promise<void>;
}

const ATTEMPTS = 5;

export async function locate(e: CheckpointEntry, hooks: LocateHooks = {}): Promise<Located | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const { found, moved } = await locateOnce(e, hooks);
    if (found || !moved) return found;
  }
  return undefined;
}

async function locateOnce(e: CheckpointEntry, hooks: LocateHooks): Promise<{ found?: Located; moved: boolean }> {
  const candidates = [e.path];
  const dirs = [path.dirname(e.path)];
  try {
    const real = await fsp.realpath(e.path);
    if (path.dirname(real) !== dirs[0]) dirs.push(path.dirname(real));
  } catch {
    // the path is gone (deleted or rotated away): search its directory
  }
  for (const dir of dirs) {
    try {
      for (const name of (await fsp.readdir(dir)).sort()) candidates.push(path.join(dir, name));
    } catch {
      // directory gone
    }
  }
  let moved = false;
  for (const p of candidates) {
    let st: Stats;
    try {
      st = await fsp.stat(p);
    } catch {
      continue;
    }
    if (!st.isFile() || st.dev !== e.dev || st.ino !== e.ino) continue;
    await hooks.beforeOpen?.(p);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(p, 'r');
    } catch {
      moved = true;
      continue;
    }
    try {
      const now = await fh.stat();
      if (now.dev !== e.dev || now.ino !== e.ino) {
        // Renamed away between the stat and the open: this name holds another file now.
        moved = true;
        await fh.close();
        continue;
      }
      const buf = Buffer.alloc(e.fp_len);
      const { bytesRead } = await fh.read(buf, 0, e.fp_len, 0);
      return { found: { path: p, st: now, head: buf.subarray(0, bytesRead), fh }, moved };
    } catch {
      await fh.close().catch(() => undefined);
    }
  }
  return { moved };
}
