#!/usr/bin/env node
// Cost of a log line through the runtime's logger, beside plain pino as the runtime used it before
// (pino's fixed-depth `redact` paths, sonic-boom's async destination): ns per line, median of runs.
// Two lines: the hot-path `logger.info({ n: 1 }, 'x')` and an access-log-like nested object.
// Usage: node bench/runtime/logger.mjs [lines=300000] [runs=5]
import { openSync } from 'node:fs';
import { createRequire } from 'node:module';

const lines = Number(process.argv[2] ?? 300_000);
const runs = Number(process.argv[3] ?? 5);
const runtime = new URL('../../packages/runtime/', import.meta.url);
const { pino } = createRequire(new URL('package.json', runtime))('pino');
const { createLogger, loggerOptions } = await import(new URL('dist/src/logger.js', runtime).href);
const { LogStream } = await import(new URL('dist/src/log-stream.js', runtime).href);

const secretKeys = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'password', 'token', 'secret', 'api_key', 'x-api-key'];
const before = {
  level: 'info',
  base: { sidecar: 'bench', pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: { paths: secretKeys.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]), censor: '[redacted]' },
};
const devNull = () => openSync('/dev/null', 'w');
const nowhere = { write() {} };

const bare = { ...before, redact: undefined };
const loggers = {
  'whole, before: redact paths → sonic-boom': () => ({ logger: pino(before, pino.destination({ dest: devNull(), sync: false })) }),
  'whole, now: redaction walk → bounded stream': () => createLogger('bench', 'info', undefined, { fd: devNull() }),
  'formatting, no redaction at all': () => ({ logger: pino(bare, nowhere) }),
  'formatting, before: redact paths': () => ({ logger: pino(before, nowhere) }),
  'formatting, now: redaction walk': () => ({ logger: pino(loggerOptions('bench', 'info'), nowhere) }),
  'destination, before: sonic-boom': () => ({ logger: pino(bare, pino.destination({ dest: devNull(), sync: false })) }),
  'destination, now: bounded stream': () => ({
    logger: pino(bare, new LogStream({ fd: devNull(), maxBufferBytes: 4 << 20, stalledAfterMs: 1000 })),
  }),
};
const shapes = {
  'info({ n: 1 }, "x")': (logger, i) => logger.info({ n: i }, 'x'),
  'access log (nested headers)': (logger, i) =>
    logger.info(
      {
        req: {
          method: 'GET',
          url: '/v1/items?page=2',
          headers: { host: 'api', 'user-agent': 'curl/8', accept: '*/*', authorization: 'Bearer t' },
        },
        res: { status: 200, bytes: 512 },
        duration_ms: i % 50,
      },
      'request',
    ),
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const [shape, log] of Object.entries(shapes)) {
  for (const [name, make] of Object.entries(loggers)) {
    const { logger, flush } = make();
    const samples = [];
    for (let r = 0; r < runs; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < lines; i++) {
        log(logger, i);
        // Let the destination write: a real process logs between I/O, not in one burst.
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
      samples.push(Number(process.hrtime.bigint() - start) / lines);
    }
    flush?.();
    console.log(
      JSON.stringify({ bench: 'runtime-logger', line: shape, logger: name, ns_per_line: Math.round(median(samples)), runs, lines }),
    );
  }
}
