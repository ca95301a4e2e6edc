/**
 * A `DeliveryService` for sinks that speak HTTP: the sink supplies its request builder, its retry
 * decision and its healthcheck; this adds auth, compression, the transport and failure reasons.
 */

import { SpareBuffer } from '../spare-buffer.js';
import type { Authorization } from './auth.js';
import type { DeliveryService, SendResult } from './driver.js';
import type { HttpClient, HttpResponse } from './http-client.js';
import { Delivery, type Outcome } from './outcome.js';
import type { RequestEvents } from './request.js';

export interface HttpRequestSpec {
  method?: 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}

export interface HttpSinkParts {
  client: HttpClient;
  auth?: Authorization | undefined;
  compress: boolean;
  splittable?: boolean;
  maxConcurrency?: number;
  /** Request builder; `into`: a buffer of an earlier request to encode the body into when it is large enough. */
  build(request: RequestEvents, into?: Buffer): HttpRequestSpec;
  /** Retry decision for a response. */
  decide(response: HttpResponse, request: RequestEvents): Outcome;
  /** Healthcheck; throws a clear Error when the remote is not usable. */
  healthcheck(client: HttpClient, headers: Record<string, string>, signal: AbortSignal): Promise<void>;
}

export class HttpDeliveryService implements DeliveryService {
  readonly splittable: boolean;
  readonly maxConcurrency?: number;
  readonly target: string;
  /** Bodies of finished requests, encoded into again (one per request in flight at most). */
  readonly #bodies = new SpareBuffer();

  constructor(private readonly parts: HttpSinkParts) {
    this.splittable = parts.splittable ?? true;
    if (parts.maxConcurrency !== undefined) this.maxConcurrency = parts.maxConcurrency;
    this.target = parts.client.target;
  }

  #authHeaders(): Record<string, string> {
    return this.parts.auth ? { authorization: this.parts.auth.header() } : {};
  }

  async send(request: RequestEvents, signal: AbortSignal): Promise<SendResult> {
    let headers: Record<string, string>;
    try {
      headers = this.#authHeaders();
    } catch (error) {
      return { kind: Delivery.RETRY, reason: (error as Error).message, code: 'OUTRIGGER_E_LF_SINK_AUTH' };
    }
    const spec = this.parts.build(request, this.#bodies.take());
    const body = spec.body;
    if (typeof body !== 'string') this.#bodies.lend(body);
    let response: HttpResponse & { sentBytes: number };
    try {
      response = await this.parts.client.send({
        method: spec.method ?? 'POST',
        path: spec.path,
        headers: { ...spec.headers, ...headers },
        body,
        compress: this.parts.compress,
        signal,
      });
    } catch (error) {
      // A failed request's connection may still be writing the body: leave that buffer to the GC.
      if (typeof body !== 'string') this.#bodies.done(body, false);
      const reason = (error as Error).message;
      return { kind: Delivery.RETRY, reason, ...(reason.startsWith('TLS') ? { code: 'OUTRIGGER_E_LF_SINK_TLS' } : {}) };
    }
    // A whole response: the request was written (a receiver that answered before reading all of
    // the body does not read the rest as data).
    if (typeof body !== 'string') this.#bodies.done(body);
    if (response.status === 401 || response.status === 403) await this.parts.auth?.reload();
    return { ...this.parts.decide(response, request), bytes: response.sentBytes };
  }

  async healthcheck(signal: AbortSignal): Promise<void> {
    await this.parts.healthcheck(this.parts.client, this.#authHeaders(), signal);
  }

  async close(): Promise<void> {
    await Promise.all([this.parts.client.close(), this.parts.auth?.close()]);
  }
}
