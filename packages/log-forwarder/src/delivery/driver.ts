/**
 * The delivery driver shared by every remote sink: it implements `Sink` around a
 * `DeliveryService` (the sink-specific encoder + request builder + retry decision + healthcheck).
 *
 * - batches are grouped into requests bounded by events, bytes and age;
 * - up to `concurrency` requests are in flight; acknowledgements still go out in write order;
 * - failures are retried with capped exponential backoff and full jitter, `Retry-After` first;
 * - rejected events go to the dead-letter file; dropping happens only by explicit policy;
 * - once `max_in_flight_bytes` are held unacknowledged, `write()` stays pending (reading pauses).
 */
import { join } from 'node:path';
import { backoffDelay, delay } from '@outrigger/runtime';
import type { Logger } from 'pino';
import type { EventBatch, Sink, SinkContext, SinkHealth } from '../sink/sink.js';
import type { DeliveryConfig } from './config.js';
import { type DeadLetter, DeadLetterFile } from './dead-letter.js';
import { SinkMetrics } from './metrics.js';
import { Delivery, type ItemRejection, type Outcome } from './outcome.js';
import { type Part, PartsRequest, type RequestEvents, SubsetRequest, splitBatch, wholePart } from './request.js';

/** Longest a healthcheck may take (or request_timeout_ms when shorter). */
export const HEALTHCHECK_TIMEOUT_MS = 5000;

export type SendResult = Outcome & {
  /** Body bytes put on the wire (after compression), for metrics. */
  bytes?: number;
};

/** What a remote sink provides; the driver does the rest. */
export interface DeliveryService {
  /** False for sinks that send `raw()` lines: their batches are never split. */
  readonly splittable: boolean;
  /** Protocols that need order (Loki streams) cap the concurrency, whatever the config says. */
  readonly maxConcurrency?: number;
  /** Where the requests go, for logs (`http://loki:3100`); never includes credentials. */
  readonly target: string;
  /** One attempt. Must not throw for delivery failures: return RETRY / ERROR instead. */
  send(request: RequestEvents, signal: AbortSignal): Promise<SendResult>;
  /** Throws an Error with a clear message when the remote is not usable. */
  healthcheck(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
  status?(): Record<string, unknown>;
}

interface Tracked {
  batch: EventBatch;
  /** Parts not yet finished. */
  pending: number;
}

interface Job {
  parts: Part[];
  request: RequestEvents;
  attempt: number;
}

export interface DriverOptions {
  name: string;
  type: string;
  config: DeliveryConfig;
  ctx: SinkContext;
  service: DeliveryService;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** How often a full dead-letter file is looked at again for room. */
const DEAD_LETTER_ROOM_CHECK_MS = 1000;

export class DeliveryDriver implements Sink {
  readonly name: string;
  readonly #type: string;
  readonly #config: DeliveryConfig;
  readonly #service: DeliveryService;
  readonly #logger: Logger;
  readonly #metrics: SinkMetrics;
  readonly #deadLetter: DeadLetterFile;
  readonly #random: () => number;
  readonly #concurrency: number;

  readonly #tracked: Tracked[] = [];
  readonly #byBatch = new Map<EventBatch, Tracked>();
  #open: Part[] = [];
  #openEvents = 0;
  #openBytes = 0;
  #openTimer: NodeJS.Timeout | undefined;
  readonly #ready: Job[] = [];
  #running = 0;
  #heldBytes = 0;
  #heldEvents = 0;
  #capacityWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  readonly #shutdown = new AbortController();
  #stopping = false;
  #health: SinkHealth = { healthy: true };
  #failing: string | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #checking = false;
  #sentEvents = 0;
  #deadLettered = 0;
  #dropped = 0;
  #deadLetterFull = false;
  #deadLetterDropped = 0;
  #lastError: { time: string; reason: string } | undefined;

  constructor(options: DriverOptions) {
    const { name, type, config, ctx, service } = options;
    this.name = name;
    this.#type = type;
    this.#config = config;
    this.#service = service;
    this.#logger = ctx.logger.child({ sink: name, type });
    this.#metrics = new SinkMetrics(ctx, name);
    this.#random = options.random ?? Math.random;
    this.#concurrency = Math.max(1, Math.min(config.concurrency, service.maxConcurrency ?? Number.POSITIVE_INFINITY));
    const path = config.dead_letter.path ? ctx.resolvePath(config.dead_letter.path) : join(ctx.stateDir, 'dead-letter', `${name}.jsonl`);
    this.#deadLetter = new DeadLetterFile({
      path,
      maxBytes: config.dead_letter.max_bytes,
      sink: name,
    });
  }

  async start(): Promise<void> {
    if (!this.#config.healthcheck.enabled) return;
    await this.#runHealthcheck();
    this.#healthTimer = setInterval(() => {
      if (!this.#health.healthy && this.#running === 0 && !this.#checking) void this.#runHealthcheck();
    }, this.#config.healthcheck.interval_ms);
    this.#healthTimer.unref();
  }

  async #runHealthcheck(): Promise<void> {
    this.#checking = true;
    // Bounded so that a remote that drops packets does not hold the forwarder's start.
    const deadline = this.#deadline(Math.min(this.#config.request_timeout_ms, HEALTHCHECK_TIMEOUT_MS));
    try {
      await this.#service.healthcheck(deadline.signal);
      if (!this.#health.healthy) this.#logger.info({ target: this.#service.target }, 'sink healthcheck passed');
      this.#setHealthy();
    } catch (error) {
      const reason = (error as Error).message;
      if (this.#health.reason !== reason) {
        this.#logger.warn({ code: 'OUTRIGGER_E_LF_SINK_UNAVAILABLE', target: this.#service.target, reason }, 'sink healthcheck failed');
      }
      this.#setUnhealthy(reason);
    } finally {
      deadline.clear();
      this.#checking = false;
    }
  }

  #setHealthy(): void {
    this.#health = { healthy: true };
    this.#metrics.healthy.set({ sink: this.name }, 1);
  }

  #setUnhealthy(reason: string): void {
    this.#health = { healthy: false, reason };
    this.#metrics.healthy.set({ sink: this.name }, 0);
  }

  health(): SinkHealth {
    return this.#health;
  }

  write(batch: EventBatch): Promise<void> {
    if (this.#stopping) return Promise.reject(new Error(`sink ${this.name} is stopping`));
    const { max_events, max_bytes } = this.#config.batch;
    const parts = batch.count === 0 ? [] : this.#service.splittable ? splitBatch(batch, max_events, max_bytes) : [wholePart(batch)];
    const tracked: Tracked = { batch, pending: parts.length };
    this.#tracked.push(tracked);
    this.#byBatch.set(batch, tracked);
    this.#heldBytes += batch.bytes;
    this.#heldEvents += batch.count;
    this.#updateGauges();
    for (const part of parts) this.#add(part);
    if (parts.length === 0) this.#releaseAcks();
    if (this.#heldBytes < this.#config.max_in_flight_bytes) return Promise.resolve();
    // The cap is reached: nothing more comes until deliveries complete, so send what is open now.
    this.#flush();
    this.#metrics.blocked.set({ sink: this.name }, 1);
    return new Promise((resolve) => this.#capacityWaiters.push(resolve));
  }

  #add(part: Part): void {
    const { max_events, max_bytes, timeout_ms } = this.#config.batch;
    const events = part.to - part.from;
    if (this.#open.length > 0 && (this.#openEvents + events > max_events || this.#openBytes + part.bytes > max_bytes)) {
      this.#flush();
    }
    this.#open.push(part);
    this.#openEvents += events;
    this.#openBytes += part.bytes;
    if (this.#openEvents >= max_events || this.#openBytes >= max_bytes || timeout_ms === 0) {
      this.#flush();
    } else if (!this.#openTimer) {
      this.#openTimer = setTimeout(() => this.#flush(), timeout_ms);
    }
  }

  #flush(): void {
    if (this.#openTimer) {
      clearTimeout(this.#openTimer);
      this.#openTimer = undefined;
    }
    if (this.#open.length === 0) return;
    const parts = this.#open;
    this.#open = [];
    this.#openEvents = 0;
    this.#openBytes = 0;
    this.#ready.push({ parts, request: new PartsRequest(parts), attempt: 0 });
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#ready.length > 0) {
      const job = this.#ready.shift() as Job;
      this.#running++;
      this.#run(job).then(
        (finished) => {
          this.#running--;
          if (finished) this.#finish(job);
          this.#pump();
        },
        (error) => {
          // Only a bug gets here; keep the batch unacknowledged (it will be re-read after a restart).
          this.#running--;
          this.#logger.error({ err: error }, 'delivery loop failed');
        },
      );
    }
  }

  /** Sends a job until it is delivered, dead-lettered or dropped. False when cut by shutdown. */
  async #run(job: Job): Promise<boolean> {
    const { retry } = this.#config;
    const signal = this.#shutdown.signal;
    for (;;) {
      if (signal.aborted) return false;
      const outcome = await this.#attempt(job.request);
      if (signal.aborted && outcome.kind !== Delivery.OK) return false;
      let retryReason: string;
      let retryAfterMs: number | undefined;
      switch (outcome.kind) {
        case Delivery.OK:
          this.#delivered(job.request.count, outcome.bytes, 'ok');
          return true;
        case Delivery.ERROR: {
          this.#metrics.requests.inc({ sink: this.name, outcome: 'error' });
          const request = job.request;
          const ids = request.ids();
          const entries = request.events().map((event, i) => ({
            id: ids[i] as string,
            event,
            reason: outcome.reason,
            ...(outcome.status === undefined ? {} : { status: outcome.status }),
          }));
          this.#logger.error(
            { code: outcome.code ?? 'OUTRIGGER_E_LF_SINK_REJECTED', reason: outcome.reason, events: request.count },
            'remote rejected a request; its events go to the dead-letter file',
          );
          return this.#toDeadLetter(entries);
        }
        case 'partial': {
          this.#metrics.requests.inc({ sink: this.name, outcome: 'partial' });
          const request = job.request;
          const delivered = request.count - outcome.retry.length - outcome.rejected.length;
          this.#delivered(delivered, outcome.bytes, undefined);
          if (outcome.rejected.length > 0) {
            const events = request.events();
            const ids = request.ids();
            const entries = outcome.rejected.map((r: ItemRejection) => ({
              id: ids[r.index] as string,
              event: events[r.index] as DeadLetter['event'],
              reason: r.reason,
              ...(r.status === undefined ? {} : { status: r.status }),
            }));
            this.#logger.error(
              { code: 'OUTRIGGER_E_LF_SINK_REJECTED', reason: outcome.rejected[0]?.reason, events: entries.length },
              'remote rejected events; they go to the dead-letter file',
            );
            if (!(await this.#toDeadLetter(entries))) return false;
          }
          if (outcome.retry.length === 0) return true;
          job.request = new SubsetRequest(request, outcome.retry);
          retryReason = outcome.retryReason;
          retryAfterMs = outcome.retryAfterMs;
          break;
        }
        default:
          this.#metrics.requests.inc({ sink: this.name, outcome: 'retry' });
          retryReason = outcome.reason;
          retryAfterMs = outcome.retryAfterMs;
          if (this.#failing !== retryReason) {
            this.#logger.warn(
              { code: outcome.code ?? 'OUTRIGGER_E_LF_SINK_UNAVAILABLE', target: this.#service.target, reason: retryReason },
              'delivery failed; retrying',
            );
          }
          this.#failing = retryReason;
          this.#lastError = { time: new Date().toISOString(), reason: retryReason };
          this.#setUnhealthy(retryReason);
      }
      job.attempt++;
      if (retry.max_attempts > 0 && job.attempt >= retry.max_attempts) {
        return this.#exhausted(job.request, retryReason);
      }
      // A server's Retry-After wins when given (never re-send before it), else the jittered backoff.
      const wait =
        retryAfterMs ?? backoffDelay(job.attempt - 1, { baseMs: retry.initial_backoff_ms, maxMs: retry.max_backoff_ms }, this.#random);
      try {
        await delay(wait, signal);
      } catch {
        return false;
      }
      this.#metrics.retries.inc({ sink: this.name });
    }
  }

  /**
   * A signal that aborts at shutdown or after request_timeout_ms; `clear()` drops the timer and the
   * listener. Not `AbortSignal.any([shutdown, timeout])`: signals combined with the long-lived
   * shutdown signal pile up in it over a long outage (one per attempt; Node's issue tracker).
   */
  #deadline(ms = this.#config.request_timeout_ms): { signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const shutdown = this.#shutdown.signal;
    const onShutdown = () => controller.abort(shutdown.reason);
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener('abort', onShutdown, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
    return {
      signal: controller.signal,
      clear: () => {
        clearTimeout(timer);
        shutdown.removeEventListener('abort', onShutdown);
      },
    };
  }

  async #attempt(request: RequestEvents): Promise<SendResult> {
    const end = this.#metrics.duration.startTimer({ sink: this.name });
    const deadline = this.#deadline();
    try {
      return await this.#service.send(request, deadline.signal);
    } catch (error) {
      const reason =
        deadline.signal.aborted && !this.#shutdown.signal.aborted
          ? `timed out after ${this.#config.request_timeout_ms} ms`
          : (error as Error).message;
      return { kind: Delivery.RETRY, reason };
    } finally {
      deadline.clear();
      end();
    }
  }

  #delivered(events: number, bytes: number | undefined, outcome: 'ok' | undefined): void {
    if (outcome) this.#metrics.requests.inc({ sink: this.name, outcome });
    this.#metrics.sentEvents.inc({ sink: this.name }, events);
    if (bytes) this.#metrics.sentBytes.inc({ sink: this.name }, bytes);
    this.#sentEvents += events;
    if (this.#failing !== undefined) {
      this.#logger.info({ target: this.#service.target }, 'delivery recovered');
      this.#failing = undefined;
    }
    if (!this.#health.healthy) this.#setHealthy();
  }

  async #exhausted(request: RequestEvents, reason: string): Promise<boolean> {
    const { max_attempts, on_exhausted } = this.#config.retry;
    const why = `gave up after ${max_attempts} attempts: ${reason}`;
    if (on_exhausted === 'drop') {
      this.#metrics.dropped.inc({ sink: this.name, reason: 'retries_exhausted' }, request.count);
      this.#dropped += request.count;
      this.#logger.error(
        { code: 'OUTRIGGER_E_LF_SINK_DROPPED', events: request.count, reason: why },
        'events dropped by policy (retry.on_exhausted: drop)',
      );
      return true;
    }
    const ids = request.ids();
    const entries = request.events().map((event, i) => ({ id: ids[i] as string, event, reason: why }));
    this.#logger.error(
      { code: 'OUTRIGGER_E_LF_SINK_RETRIES_EXHAUSTED', events: request.count, reason: why },
      'retries exhausted; events go to the dead-letter file',
    );
    return this.#toDeadLetter(entries);
  }

  /**
   * Writes dead letters, retrying the file write until it works or shutdown cuts it. A full file
   * (`dead_letter.on_full: block`) holds the rest and retries until it has room: the job stays
   * unfinished, so nothing after it is acknowledged and reading pauses once the cap is reached.
   */
  async #toDeadLetter(entries: DeadLetter[]): Promise<boolean> {
    let pending = entries;
    const { max_bytes, on_full } = this.#config.dead_letter;
    for (let attempt = 0; ; attempt++) {
      let wait: number;
      try {
        const { written, rest } = await this.#deadLetter.append(pending);
        this.#metrics.deadLettered.inc({ sink: this.name }, written);
        this.#deadLettered += written;
        if (rest.length === 0) {
          if (this.#deadLetterFull) {
            this.#deadLetterFull = false;
            this.#metrics.deadLetterFull.set({ sink: this.name }, 0);
            this.#logger.info({ path: this.#deadLetter.path }, 'dead-letter file has room again; delivery continues');
          }
          return true;
        }
        if (on_full === 'drop') {
          this.#metrics.deadLetterOverflow.inc({ sink: this.name }, rest.length);
          this.#deadLetterDropped += rest.length;
          this.#logger.error(
            { code: 'OUTRIGGER_E_LF_DEAD_LETTER_FULL', events: rest.length, path: this.#deadLetter.path, max_bytes, first_id: rest[0]?.id },
            'dead-letter file is full; rejected events dropped (dead_letter.on_full: drop)',
          );
          return true;
        }
        pending = rest;
        if (!this.#deadLetterFull) {
          this.#deadLetterFull = true;
          this.#metrics.deadLetterFull.set({ sink: this.name }, 1);
          this.#logger.error(
            { code: 'OUTRIGGER_E_LF_DEAD_LETTER_FULL', events: rest.length, path: this.#deadLetter.path, max_bytes },
            'dead-letter file is full; holding the rejected events and acknowledging nothing until it has room (move or truncate it, or raise dead_letter.max_bytes)',
          );
        }
        wait = DEAD_LETTER_ROOM_CHECK_MS; // one stat a second: room appears when an operator acts
      } catch (error) {
        this.#logger.error({ err: error, path: this.#deadLetter.path }, 'cannot write the dead-letter file; retrying');
        wait = backoffDelay(attempt, { baseMs: 500, maxMs: 30_000 }, this.#random);
      }
      try {
        await delay(wait, this.#shutdown.signal);
      } catch {
        return false;
      }
    }
  }

  #finish(job: Job): void {
    for (const part of job.parts) {
      const tracked = this.#byBatch.get(part.batch);
      if (tracked) tracked.pending--;
    }
    this.#releaseAcks();
  }

  /** Acknowledges finished batches at the head, in write order. */
  #releaseAcks(): void {
    while (this.#tracked.length > 0 && (this.#tracked[0] as Tracked).pending === 0) {
      const { batch } = this.#tracked.shift() as Tracked;
      this.#byBatch.delete(batch);
      this.#heldBytes -= batch.bytes;
      this.#heldEvents -= batch.count;
      batch.ack();
    }
    this.#updateGauges();
    if (this.#heldBytes < this.#config.max_in_flight_bytes && this.#capacityWaiters.length > 0) {
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      this.#metrics.blocked.set({ sink: this.name }, 0);
      for (const resolve of waiters) resolve();
    }
    if (this.#tracked.length === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #updateGauges(): void {
    this.#metrics.inFlightBytes.set({ sink: this.name }, this.#heldBytes);
    this.#metrics.inFlightEvents.set({ sink: this.name }, this.#heldEvents);
  }

  #stopped: Promise<void> | undefined;

  stop(deadline: AbortSignal): Promise<void> {
    this.#stopped ??= this.#stop(deadline);
    return this.#stopped;
  }

  async #stop(deadline: AbortSignal): Promise<void> {
    this.#stopping = true;
    this.#flush();
    if (this.#tracked.length > 0 && !deadline.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          deadline.removeEventListener('abort', done);
          resolve();
        };
        this.#idleWaiters.push(done);
        deadline.addEventListener('abort', done, { once: true });
      });
    }
    if (this.#tracked.length > 0) {
      this.#logger.warn(
        { events: this.#heldEvents, target: this.#service.target },
        'stopping with undelivered events; they stay unacknowledged and are sent again after a restart',
      );
    }
    this.#shutdown.abort(new Error('sink stopped'));
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    for (const resolve of this.#capacityWaiters.splice(0)) resolve();
    this.#metrics.blocked.set({ sink: this.name }, 0);
    await this.#service.close();
  }

  status(): unknown {
    return {
      type: this.#type,
      target: this.#service.target,
      healthy: this.#health.healthy,
      ...(this.#health.reason ? { reason: this.#health.reason } : {}),
      in_flight_events: this.#heldEvents,
      in_flight_bytes: this.#heldBytes,
      requests_in_flight: this.#running,
      requests_queued: this.#ready.length,
      reading_paused: this.#capacityWaiters.length > 0,
      sent_events: this.#sentEvents,
      dead_lettered_events: this.#deadLettered,
      dead_letter_full: this.#deadLetterFull,
      dead_letter_dropped_events: this.#deadLetterDropped,
      dropped_events: this.#dropped,
      dead_letter_file: this.#deadLetter.path,
      ...(this.#lastError ? { last_error: this.#lastError } : {}),
      ...this.#service.status?.(),
    };
  }
}
