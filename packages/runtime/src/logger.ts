/**
 * The process logger: pino, JSON lines on stdout, secrets redacted (case-insensitive, at any
 * depth), written through a bounded stream that cannot hurt the app (`log-stream.ts`): when
 * stdout stalls, lines beyond the bound are dropped and counted (`droppedLines()`, exported as
 * `outrigger_<sidecar>_log_dropped_lines_total`).
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { LogStream } from './log-stream.js';
import { redactSecrets } from './redact.js';

/** Bytes of log lines held while stdout does not keep up; beyond it, lines are dropped. */
export const defaultMaxBufferBytes = 4 * 1024 * 1024;

export interface LoggerHandle {
  logger: Logger;
  /** Writes what is buffered, synchronously; call before process.exit. Never throws, never hangs. */
  flush(): void;
  /** Log lines dropped so far because stdout did not take them (stalled or closed). */
  droppedLines(): number;
}

export interface StdoutOptions {
  /** Bound of the buffer in bytes (default 4 MiB). */
  maxBufferBytes?: number;
  /** Write to this file descriptor (default 1, stdout). */
  fd?: number;
  /** At exit, stdout counts as stalled when it took nothing for this long with lines pending (default 1 s). */
  stalledAfterMs?: number;
}

/**
 * The pino options every Outrigger logger uses. `name` is the sidecar every line is about; a
 * process running several (`outrigger run`) passes `{ process: name }` instead and gives each
 * sidecar a child logger with its own `sidecar` field.
 */
export function loggerOptions(name: string | { process: string }, level: string): LoggerOptions {
  return {
    level: process.env.LOG_LEVEL || level,
    base: typeof name === 'string' ? { sidecar: name, pid: process.pid } : { process: name.process, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Case-insensitive and at any depth, which pino's `redact` paths are not.
      log: (object) => redactSecrets(object),
    },
  };
}

/** A pino logger whose `child(bindings)` redacts the bindings too (pino skips formatters for them). */
function outriggerPino(options: LoggerOptions, destination: DestinationStream): Logger {
  const logger = pino(options, destination);
  const child = logger.child;
  // Children are created with Object.create(parent), so they inherit this wrapper.
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/** The logger of a sidecar process; `destination` replaces stdout (tests). */
export function createLogger(
  name: string | { process: string },
  level: string,
  destination?: DestinationStream,
  stdout: StdoutOptions = {},
): LoggerHandle {
  const options = loggerOptions(name, level);
  if (destination) return { logger: outriggerPino(options, destination), flush: () => {}, droppedLines: () => 0 };
  const out = new LogStream({
    fd: stdout.fd ?? 1,
    maxBufferBytes: stdout.maxBufferBytes ?? defaultMaxBufferBytes,
    stalledAfterMs: stdout.stalledAfterMs ?? 1000,
  });
  const logger = outriggerPino(options, out);
  // Said once stdout moves again, and only when the line surely fits (so it is never dropped).
  out.onProgress = () => {
    if (!out.hasRoom()) return;
    const lines = out.takeDroppedSinceReport();
    logger.warn({ code: 'OUTRIGGER_E_LOG_DROPPED', dropped_lines: lines }, `stdout did not keep up: ${lines} log line(s) dropped`);
  };
  return { logger, flush: () => out.flushSync(), droppedLines: () => out.dropped };
}
