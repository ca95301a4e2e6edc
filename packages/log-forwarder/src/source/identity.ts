/**
 * File identity: device + inode, plus a fingerprint of the first bytes and the size, so that each
 * of rename, copytruncate, truncation in place, deletion and inode reuse is recognised on purpose.
 *
 * The fingerprint covers the first `fp_len` bytes (up to `fingerprint_bytes`); while a file is
 * shorter than that, the fingerprint grows with it. Two views of "the same file" must agree on
 * dev+ino AND on the first `fp_len` bytes.
 */
import { createHash } from 'node:crypto';

export interface FileIdentity {
  dev: number;
  ino: number;
  /** How many leading bytes the fingerprint covers. */
  fp_len: number;
  /** sha256 (hex, first 16 bytes) of those bytes. */
  fp: string;
}

export function fingerprint(head: Buffer): string {
  return createHash('sha256').update(head).digest('hex').slice(0, 32);
}

export function identityKey(id: { dev: number; ino: number }): string {
  return `${id.dev}:${id.ino}`;
}

/** What a file on disk is, as far as we can see without reading past the fingerprint. */
export interface Observation {
  dev: number;
  ino: number;
  size: number;
  /** The file's first `known.fp_len` bytes (fewer if the file is shorter now). */
  head: Buffer;
}

export type IdentityDecision =
  /** The same file: continue at the known offset. */
  | { kind: 'same'; offset: number }
  /** The same file made shorter in place (truncate, copytruncate): read again from 0. */
  | { kind: 'truncated'; offset: 0 }
  /** Another file (a different inode, or the inode was reused by new content): read from 0. */
  | { kind: 'different'; offset: 0 };

/** Decides how a file we knew (`known`, read up to `offset`) relates to what is on disk now. */
export function decide(known: FileIdentity, offset: number, now: Observation): IdentityDecision {
  if (known.dev !== now.dev || known.ino !== now.ino) return { kind: 'different', offset: 0 };
  const prefixMatches = now.head.length >= known.fp_len && fingerprint(now.head.subarray(0, known.fp_len)) === known.fp;
  if (!prefixMatches) {
    // Same inode, other first bytes: the inode was reused, or the file was truncated and
    // rewritten past the fingerprint before we looked. Either way none of our offset is valid.
    return now.size < offset ? { kind: 'truncated', offset: 0 } : { kind: 'different', offset: 0 };
  }
  if (now.size < offset) return { kind: 'truncated', offset: 0 };
  return { kind: 'same', offset };
}

/**
 * The identity of a file from its stat and head. `head` is the first min(size, fingerprintBytes)
 * bytes.
 */
export function identify(dev: number, ino: number, head: Buffer): FileIdentity {
  return { dev, ino, fp_len: head.length, fp: fingerprint(head) };
}
