/**
 * A copy of bytes that wait on a peer (a head split over reads, the rest of a paused read), in
 * memory of its own. `Buffer.from` of a small array takes a slice of Node's shared pool (64 KiB
 * slabs on Node 24): while the slice is held the whole slab stays alive, so a thousand
 * connections each holding a 100-byte partial head could hold a slab each.
 */
export function heldCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}
