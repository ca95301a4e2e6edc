/**
 * The files a config names for the sidecar to read (`format: 'file'`: CA bundles, secrets,
 * scripts) must exist and be readable when the config is loaded — by `check`, at start and on
 * reload alike — rather than fail later, on the first request that needs them.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../sidecar.js';
import type { FileReference } from './validate.js';

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EISDIR: 'is a directory',
};

/** One issue per file that cannot be read; paths are resolved against `baseDir`. */
export function checkFiles(files: readonly FileReference[], baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { path, file } of files) {
    const full = resolve(baseDir, file);
    const problem = unreadable(full);
    if (problem) issues.push({ path, message: `cannot read ${JSON.stringify(full)}: ${problem}` });
  }
  return issues;
}

function unreadable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    if (statSync(file).isDirectory()) return `${reasons.EISDIR} (EISDIR)`;
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return reasons[code] ? `${reasons[code]} (${code})` : code;
  }
}
