/**
 * The app's request as the listener hands it to the proxy: the parsed head, and the body as a
 * pull source the connection feeds from the socket. A request starts paused: no body byte is
 * read until someone resumes it, so a request refused before its body moves leaves the body on
 * the socket (and the connection is closed after the answer).
 */
import { headerValue } from '../http/fields.js';
import type { RequestHead } from './request-parser.js';

/** Where the body goes: chunks are views of the socket's reads (each read is a fresh buffer). */
export interface BodySink {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

/** A body the proxy can read with backpressure (the app's request body, or a test's). */
export interface BodySource {
  readonly paused: boolean;
  pause(): void;
  resume(): void;
  /** Sets where the body goes (once). */
  readBody(sink: BodySink): void;
}

export class AppRequest implements BodySource {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: '1.0' | '1.1';
  readonly rawHeaders: readonly string[];
  readonly host: string | undefined;
  /** The body's declared length, -1 when chunked, 0 without a body. */
  readonly bodyLength: number;
  /** The whole body has been read (always true without a body). */
  complete: boolean;
  #paused = true;
  #sink: BodySink | undefined;
  #failed: Error | undefined;

  constructor(
    head: RequestHead,
    readonly remoteAddress: string | undefined,
    /** Called when a paused body is resumed (the connection reads on). */
    private readonly onResume: () => void,
  ) {
    this.method = head.method;
    this.url = head.target;
    this.httpVersion = head.minor === 1 ? '1.1' : '1.0';
    this.rawHeaders = head.rawHeaders;
    this.host = head.host;
    this.bodyLength = head.bodyLength;
    this.complete = head.bodyLength === 0;
  }

  /** A header's value by lower-case name; repeated ones joined by ", " (as Node's did). */
  header(lower: string): string | undefined {
    return headerValue(this.rawHeaders, lower);
  }

  get hasBody(): boolean {
    return this.bodyLength !== 0;
  }

  /** Whether body bytes are still on their way (then the connection cannot carry another request). */
  get bodyUnread(): boolean {
    return !this.complete;
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.complete && this.#failed === undefined) this.onResume();
  }

  readBody(sink: BodySink): void {
    this.#sink = sink;
    if (this.#failed !== undefined) sink.onError(this.#failed);
    else if (this.complete && this.hasBody) sink.onEnd();
  }

  /** The connection's side: body bytes, its end, or the body broke off. */
  pushData(chunk: Buffer): void {
    this.#sink?.onData(chunk);
  }

  pushEnd(): void {
    this.complete = true;
    this.#sink?.onEnd();
  }

  pushError(err: Error): void {
    if (this.complete || this.#failed !== undefined) return;
    this.#failed = err;
    this.#sink?.onError(err);
  }
}
