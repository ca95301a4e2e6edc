/**
 * Reads a body into memory up to a cap. Past the cap it stops reading and hands back what it has
 * plus the still-unread stream, so the caller can either refuse (413) or stream everything through
 * untouched: memory stays bounded by the cap either way.
 */
import type { Readable } from 'node:stream';

export type ReadResult =
  | { kind: 'complete'; body: Buffer }
  | { kind: 'overflow'; head: Buffer[]; rest: Readable }
  /** `admit` refused a chunk (the global budget is spent); the rest is still unread. */
  | { kind: 'refused'; rest: Readable };

export function readCapped(stream: Readable, cap: number, admit: (n: number) => boolean = () => true): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      if (!admit(chunk.length)) {
        stream.pause();
        cleanup();
        resolve({ kind: 'refused', rest: stream });
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > cap) {
        stream.pause();
        cleanup();
        resolve({ kind: 'overflow', head: chunks, rest: stream });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ kind: 'complete', body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      // 'close' without 'end': the peer went away mid-body.
      if (!stream.readableEnded) {
        cleanup();
        reject(Object.assign(new Error('the body was cut off before its end'), { code: 'ECONNRESET' }));
      }
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
