/**
 * The contract between the pipeline (sources → transforms) and every sink.
 *
 * The file on disk is the buffer: a sink never owns an event it has not acknowledged. The
 * pipeline hands a sink batches; the sink calls `batch.ack()` once every event in the batch is
 * durably delivered, dead-lettered, or dropped by an explicit per-sink policy (counted). Only then
 * may that sink's cursor — and so the checkpoint, the minimum of all cursors — move past them.
 * Batches are acknowledged in the order they were written.
 */

/** An event as the pipeline carries it. Encoders serialise these fields. */
export interface LogEvent {
  /** The line, or the parsed object's message field. */
  message: string;
  /** RFC 3339. */
  timestamp: string;
  /** The path the line was read from. */
  file: string;
  [field: string]: unknown;
}

export interface EventBatch {
  readonly count: number;
  /** Bytes of the lines as read (the in-flight cap counts these). */
  readonly bytes: number;
  /** The events, materialised on first call (a raw fast path may never need them). */
  events(): readonly LogEvent[];
  /**
   * Deterministic ids, one per event, from the file's identity and the line's offset: the same
   * line read again after a restart gets the same id (Elasticsearch `_id`, idempotency header).
   */
  ids(): readonly string[];
  /** The lines exactly as read, each followed by `\n` (for `encoding: raw`). */
  raw(): Buffer;
  /**
   * Delivered (or dead-lettered / dropped by policy): the cursor may move past this batch. Its
   * bytes are read into again afterwards (`raw()` and the views made of it): once a sink has
   * acknowledged a batch it must not read it or write it again, nor leave a write of it pending.
   */
  ack(): void;
}

export interface SinkHealth {
  healthy: boolean;
  reason?: string;
}

export interface Sink {
  readonly name: string;
  /** Healthcheck and connections. Resolves even if the remote is down (health says so). */
  start(): Promise<void>;
  /**
   * Hands the sink a batch. Resolves when the sink can take another one: while its in-flight cap
   * is reached the promise stays pending, and the pipeline stops reading for this sink.
   */
  write(batch: EventBatch): Promise<void>;
  health(): SinkHealth;
  /** Deliver what has been written (retrying until `deadline` aborts), then close. */
  stop(deadline: AbortSignal): Promise<void>;
  /** A JSON-able view for /status. */
  status(): unknown;
}

/** What a sink gets from the forwarder besides its own config. */
export interface SinkContext {
  readonly logger: import('pino').Logger;
  readonly metrics: import('prom-client').Registry;
  /** `outrigger_log_forwarder_<suffix>` */
  metricName(suffix: string): string;
  /** Resolves a config path relative to the config file's directory. */
  resolvePath(path: string): string;
  /** The forwarder's `state_dir` (dead-letter files live below it unless configured). */
  readonly stateDir: string;
}

/**
 * A registry entry: `sink/index.ts` maps each config `type` to one of these. `schema` is the
 * TypeBox object schema of that sink's config block, including `type: Literal(<type>)` and
 * `inputs: string[]`.
 */
// biome-ignore lint/suspicious/noExplicitAny: one registry holds factories of different config types.
export interface SinkFactory<C = any> {
  readonly type: string;
  readonly schema: import('@sinclair/typebox').TObject;
  create(name: string, config: C, ctx: SinkContext): Sink;
  /** Cross-field rules of this sink's block; paths are relative to it (`labels.app`). */
  rules?(config: C): import('@outrigger/runtime').ConfigIssue[];
}
