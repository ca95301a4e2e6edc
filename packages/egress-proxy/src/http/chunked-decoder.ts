/**
 * The chunked transfer coding (RFC 9112 §7.1) validated byte by byte as it streams: sizes (hex,
 * bounded), extensions (no control bytes, bounded), the CRLFs, trailer lines (no obs-fold,
 * bounded, dropped). Data spans go to the sink as views of the buffer fed in, so decoding
 * allocates nothing. One copy for both directions: the upstream pool's responses and the
 * listener's request bodies; each side makes its own error from the detail.
 */

/** Where decoded data goes. `paused` is read after each data span. */
export interface ChunkSink {
  readonly paused: boolean;
  onData(chunk: Buffer): void;
}

const MAX_SIZE_DIGITS = 12;

enum Chunk {
  Size,
  /** Whitespace after the size: only `;` (an extension) or the CRLF may follow (RFC 9112 §7.1.1 BWS). */
  SizeWs,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

export class ChunkedDecoder {
  #state = Chunk.Size;
  #remaining = 0;
  #digits = 0;
  #lineBytes = 0;
  #trailerBytes = 0;
  #trailerEmpty = true;

  constructor(
    /** Makes the error thrown for a framing violation (a 400 for requests, a 502 for responses). */
    private readonly fail: (detail: string) => Error,
    private readonly maxExtensionBytes: number,
    private readonly maxTrailerBytes: number,
  ) {}

  /** Starts a new body. */
  reset(): void {
    this.#state = Chunk.Size;
    this.#remaining = 0;
    this.#digits = 0;
    this.#lineBytes = 0;
    this.#trailerBytes = 0;
  }

  /** The last chunk and the trailers have been read. */
  get done(): boolean {
    return this.#state === Chunk.Done;
  }

  /**
   * Decodes `buf[start, end)`; returns where it stopped: at `end`, at the end of the body (bytes
   * after it belong to the next message) or after a data span when the sink paused.
   */
  execute(buf: Buffer, start: number, end: number, sink: ChunkSink): number {
    let i = start;
    while (i < end) {
      const b = buf[i] as number;
      switch (this.#state) {
        case Chunk.Size: {
          const h = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1;
          if (h >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw this.fail('a chunk size too large');
            this.#remaining = this.#remaining * 16 + h;
          } else if (this.#digits === 0) throw this.fail('a chunk size without digits');
          else if (b === 13) this.#state = Chunk.SizeLf;
          else if (b === 59 /* ; */) this.#state = Chunk.Ext;
          else if (b === 32 || b === 9) this.#state = Chunk.SizeWs;
          else throw this.fail('an invalid chunk size');
          i++;
          break;
        }
        case Chunk.SizeWs:
          if (b === 59) this.#state = Chunk.Ext;
          else if (b === 13) this.#state = Chunk.SizeLf;
          else if (b !== 32 && b !== 9) throw this.fail('an invalid chunk size');
          else if (++this.#lineBytes > this.maxExtensionBytes) throw this.fail('a chunk extension too long');
          i++;
          break;
        case Chunk.Ext:
          if (b === 13) this.#state = Chunk.SizeLf;
          else if (b === 10 || b === 127 || (b < 32 && b !== 9)) throw this.fail('an invalid chunk extension');
          else if (++this.#lineBytes > this.maxExtensionBytes) throw this.fail('a chunk extension too long');
          i++;
          break;
        case Chunk.SizeLf:
          if (b !== 10) throw this.fail('a chunk size line without CRLF');
          i++;
          this.#digits = 0;
          this.#lineBytes = 0;
          if (this.#remaining === 0) {
            this.#state = Chunk.Trailer;
            this.#trailerEmpty = true;
          } else this.#state = Chunk.Data;
          break;
        case Chunk.Data: {
          const n = Math.min(this.#remaining, end - i);
          this.#remaining -= n;
          sink.onData(buf.subarray(i, i + n));
          i += n;
          if (this.#remaining === 0) this.#state = Chunk.DataCr;
          if (sink.paused) return i;
          break;
        }
        case Chunk.DataCr:
          if (b !== 13) throw this.fail('chunk data not followed by CRLF');
          this.#state = Chunk.DataLf;
          i++;
          break;
        case Chunk.DataLf:
          if (b !== 10) throw this.fail('chunk data not followed by CRLF');
          this.#state = Chunk.Size;
          i++;
          break;
        case Chunk.Trailer:
          if (b === 13) this.#state = Chunk.TrailerLf;
          else if (b === 10 || b === 127 || (b < 32 && b !== 9)) throw this.fail('an invalid trailer line');
          else {
            if (this.#trailerEmpty && (b === 32 || b === 9)) throw this.fail('obs-fold in a trailer');
            this.#trailerEmpty = false;
            if (++this.#trailerBytes > this.maxTrailerBytes) throw this.fail('trailers too large');
          }
          i++;
          break;
        case Chunk.TrailerLf:
          if (b !== 10) throw this.fail('a trailer line without CRLF');
          i++;
          if (this.#trailerEmpty) {
            this.#state = Chunk.Done;
            return i;
          }
          this.#state = Chunk.Trailer;
          this.#trailerEmpty = true;
          break;
        default:
          return i;
      }
    }
    return i;
  }
}
