/**
 * A ConfigMap (or Secret) volume as the kubelet writes it (its atomic writer), for tests: the
 * files live in a timestamped directory, `..data` points at it, and each visible name is a
 * symlink through `..data`. An update writes a new timestamped directory, points `..data_tmp`
 * at it, renames `..data_tmp` over `..data` and removes the old directory — so a file's path
 * keeps its name while what it resolves to changes.
 */
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class ConfigMapVolume {
  #generation = 0;
  #current = '';

  constructor(readonly dir: string) {}

  /** The visible path of a file in the volume. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Publishes a new version of the volume's files, atomically. */
  async write(files: Record<string, string>): Promise<void> {
    const stamp = `..2026_12_01_20_00_00.${String(this.#generation++).padStart(9, '0')}`;
    await mkdir(join(this.dir, stamp));
    for (const [name, text] of Object.entries(files)) await writeFile(join(this.dir, stamp, name), text);
    await symlink(stamp, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      await symlink(join('..data', name), join(this.dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    if (this.#current) await rm(join(this.dir, this.#current), { recursive: true });
    this.#current = stamp;
  }
}
