/**
 * JSON Pointer (RFC 6901) with one extension: a segment that is exactly `*` stands for every
 * element of an array. `~0` and `~1` escape `~` and `/`; a literal `*` key is written `~2`.
 */

/** The wildcard segment. A unique symbol so that it never collides with a key. */
export const ANY: unique symbol = Symbol('any-element');
export type Segment = string | typeof ANY;

export class PointerError extends Error {}

/** Parses `/data/*\/amount` into `['data', ANY, 'amount']`; `''` is the whole document. */
export function parsePointer(text: string): Segment[] {
  if (text === '') return [];
  if (text[0] !== '/') throw new PointerError(`JSON pointer must be empty or start with "/", got ${JSON.stringify(text)}`);
  const out: Segment[] = [];
  for (const raw of text.slice(1).split('/')) {
    if (raw === '*') {
      out.push(ANY);
      continue;
    }
    if (/~(?![012])/.test(raw)) {
      throw new PointerError(`JSON pointer ${JSON.stringify(text)} has "~" not followed by 0, 1 or 2`);
    }
    out.push(raw.replace(/~1/g, '/').replace(/~2/g, '*').replace(/~0/g, '~'));
  }
  return out;
}

export function formatPointer(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    out += `/${s === ANY ? '*' : s.replace(/~/g, '~0').replace(/\//g, '~1').replace(/^\*$/, '~2')}`;
  }
  return out;
}

export function hasWildcard(segments: readonly Segment[]): boolean {
  return segments.includes(ANY);
}

/**
 * Splits pointers into a shared scope and literal tails, for operations that move values around
 * inside the same array element (`/data/*\/name` → `/data/*\/full_name`). The scope is the
 * longest common prefix of the pointers' parents; every wildcard must be inside it (a value
 * cannot move between array elements). Sharing the deepest common parent keeps the tails short,
 * usually one key, which lets operations rebuild one object in a single pass.
 */
export function splitScope(paths: readonly (readonly Segment[])[]): { scope: Segment[]; tails: string[][] } | { error: string } {
  const first = paths[0] ?? [];
  let common = first.length - 1;
  for (const p of paths) {
    common = Math.min(common, p.length - 1);
    for (let i = 0; i < common; i++) {
      if (p[i] !== first[i]) {
        common = i;
        break;
      }
    }
  }
  if (common < 0) return { error: 'a pointer must name a key, not the whole document' };
  const scope = first.slice(0, common);
  const tails: string[][] = [];
  for (const p of paths) {
    const tail = p.slice(common);
    if (tail[tail.length - 1] === ANY) return { error: 'a pointer must name a key after its last "*"' };
    if (tail.includes(ANY)) {
      return { error: 'pointers must share every segment up to their last "*" (a value cannot move between array elements)' };
    }
    if (tail.length === 0) return { error: 'a pointer must name a key after its last "*"' };
    tails.push(tail as string[]);
  }
  return { scope, tails };
}
