/**
 * HEC event-endpoint body: JSON objects one after another (`{"time":..,"event":..}{...}`), with
 * `time` in epoch seconds (millisecond decimals) from the event's timestamp.
 */
import type { RequestEvents } from '../../delivery/request.js';
import { compileTemplate, type Template } from '../../delivery/template.js';
import type { LogEvent } from '../sink.js';
import type { SplunkHecSinkConfig } from './config.js';

export class HecEncoder {
  readonly #meta: Array<[string, Template]>;

  constructor(private readonly config: SplunkHecSinkConfig) {
    const meta: Array<[string, string | undefined]> = [
      ['host', config.host],
      ['source', config.source ?? '{{ file }}'],
      ['sourcetype', config.sourcetype],
      ['index', config.index],
    ];
    this.#meta = meta.filter((m): m is [string, string] => m[1] !== undefined).map(([k, v]) => [k, compileTemplate(v)]);
  }

  encode(request: RequestEvents): string {
    let out = '';
    for (const event of request.events() as LogEvent[]) {
      const ms = Date.parse(event.timestamp);
      const entry: Record<string, unknown> = { time: Number.isNaN(ms) ? Date.now() / 1000 : ms / 1000 };
      for (const [key, template] of this.#meta) {
        const value = template.render(event);
        if (value !== '') entry[key] = value;
      }
      entry.event = this.config.encoding === 'text' ? event.message : event;
      out += JSON.stringify(entry);
    }
    return out;
  }
}
