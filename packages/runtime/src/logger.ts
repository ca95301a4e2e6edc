/** The process logger: pino, JSON lines on stdout, secrets redacted by key. */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/** Keys whose values are never logged, wherever they appear (two levels deep, as pino allows). */
const secretKeys = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'password', 'token', 'secret', 'api_key', 'x-api-key'];
const redactPaths = secretKeys.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]);

export interface LoggerHandle {
  logger: Logger;
  /** Writes what is buffered; call before process.exit. */
  flush(): void;
}

/**
 * `name` is the sidecar every line is about; a process running several (`outrigger run`) passes
 * `{ process: name }` instead and gives each sidecar a child logger with its own `sidecar` field.
 */
export function createLogger(name: string | { process: string }, level: string, destination?: DestinationStream): LoggerHandle {
  const options: LoggerOptions = {
    level: process.env.LOG_LEVEL || level,
    base: typeof name === 'string' ? { sidecar: name, pid: process.pid } : { process: name.process, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  if (destination) return { logger: pino(options, destination), flush: () => {} };
  // Asynchronous writes keep per-request access logs off the hot path; flushed on exit.
  const stream = pino.destination({ dest: 1, sync: false });
  return {
    logger: pino(options, stream),
    flush: () => {
      try {
        stream.flushSync();
      } catch {
        // stdout closed or not ready: nothing more can be written anyway.
      }
    },
  };
}
