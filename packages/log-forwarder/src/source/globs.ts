/**
 * Include / exclude globs, compiled once. chokidar (since v4) does not do globs: we watch each
 * include's base directory and match paths here with picomatch.
 */
import path from 'node:path';
import picomatch from 'picomatch';

export interface IncludeGlob {
  glob: string;
  /** The directory the glob starts in (no glob characters). */
  base: string;
  /** How many directory levels below `base` can match (Infinity with `**`). */
  depth: number;
  isMatch: (p: string) => boolean;
}

export interface Globs {
  includes: IncludeGlob[];
  /** True if `p` matches an include and no exclude. */
  matches(p: string): boolean;
  isExcluded(p: string): boolean;
}

export function compileGlobs(include: readonly string[], exclude: readonly string[]): Globs {
  const includes = include.map((glob): IncludeGlob => {
    const scan = picomatch.scan(glob);
    const base = scan.isGlob ? scan.base : path.dirname(glob);
    const rest = scan.isGlob ? scan.glob : path.basename(glob);
    const depth = rest.includes('**') ? Number.POSITIVE_INFINITY : rest.split('/').length - 1;
    return { glob, base: base === '' ? '.' : base, depth, isMatch: picomatch(glob, { dot: true }) };
  });
  // An exclude without a slash matches the file name (`*.gz`), one with a slash the whole path.
  const excludes = exclude.map((g) => picomatch(g, { dot: true, basename: !g.includes('/') }));
  const isExcluded = (p: string) => excludes.some((m) => m(p));
  return {
    includes,
    isExcluded,
    matches: (p) => !isExcluded(p) && includes.some((i) => i.isMatch(p)),
  };
}

/** Compressed rotations cannot be tailed; rotation siblings with these suffixes are skipped. */
export const COMPRESSED = /\.(?:gz|bz2|xz|zst|zip|lz4|Z)$/;
