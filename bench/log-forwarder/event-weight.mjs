#!/usr/bin/env node
// What a parsed event weighs in the heap against the bytes of its line (what max_in_flight_bytes
// counts: the line's bytes and 16): 100,000 JSON lines of ~210 bytes (8 fields), parsed by the
// log-forwarder's own parsers and kept, heap used measured after a full GC before and after.
// Usage: node --expose-gc bench/log-forwarder/event-weight.mjs   (after a build)
import { createParser } from '../../packages/log-forwarder/dist/src/parse/index.js';

const N = 100_000;
const line = (i) =>
  JSON.stringify({
    time: '2026-12-03T12:00:00.123Z',
    level: 'info',
    msg: `request ${i} handled "ok"`,
    method: 'GET',
    path: `/api/v1/items/${i}`,
    status: 200,
    duration_ms: 12.5,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
  });
const bytes = Buffer.from(Array.from({ length: N }, (_, i) => `${line(i)}\n`).join(''));
const ends = [];
for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) ends.push(at);

/** Heap bytes per event kept, for one parser config. */
function weigh(config) {
  const parser = createParser(config);
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const kept = [];
  let start = 0;
  for (const end of ends) {
    kept.push(parser.parse(bytes.toString('utf8', start, end), '/var/log/app/app.log', '2026-12-03T12:00:00.000Z').event);
    start = end + 1;
  }
  globalThis.gc();
  const perEvent = (process.memoryUsage().heapUsed - before) / kept.length;
  kept.length = 0;
  return perEvent;
}

for (const [name, config] of [
  ['json', { type: 'json' }],
  ['json, timestamp parsed', { type: 'json', timestamp: { field: 'time' } }],
  ['raw (the events path without a parser, e.g. before a transform)', { type: 'raw' }],
]) {
  const perEvent = weigh(config);
  const counted = bytes.length / N + 16;
  console.log(
    JSON.stringify({
      bench: 'log-forwarder-event-weight',
      parser: name,
      line_bytes: Math.round(bytes.length / N - 1),
      counted_bytes: Math.round(counted),
      heap_bytes_per_event: Math.round(perEvent),
      ratio: +(perEvent / counted).toFixed(2),
    }),
  );
}
