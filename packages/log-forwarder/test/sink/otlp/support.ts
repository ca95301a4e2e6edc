import { createParser } from '../../../src/parse/index.js';
import type { LogEvent } from '../../../src/sink/sink.js';

/** The event the json parser makes of `line` (what the sink gets from a JSON log). */
export function parserFor(line: string): LogEvent {
  return createParser({ type: 'json' }).parse(line, '/var/log/app/app.log', '2026-12-01T00:00:00Z').event;
}
