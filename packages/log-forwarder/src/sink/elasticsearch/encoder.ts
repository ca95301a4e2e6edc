/**
 * Encodes a `_bulk` body: per event an action line `{"create":{"_index":..,"_id":..}}` and the
 * document line, each terminated by `\n` (the API requires the final newline).
 */
import type { RequestEvents } from '../../delivery/request.js';
import { compileTemplate, type Template } from '../../delivery/template.js';
import type { LogEvent } from '../sink.js';
import type { ElasticsearchSinkConfig } from './config.js';

export class BulkEncoder {
  readonly #index: Template;
  readonly #dated: boolean;

  constructor(private readonly config: Pick<ElasticsearchSinkConfig, 'index' | 'op_type' | 'timestamp_field'>) {
    this.#index = compileTemplate(config.index, 'unknown');
    this.#dated = /%[Ymd]/.test(config.index);
  }

  indexFor(event: LogEvent): string {
    let name = this.#index.render(event);
    if (this.#dated) {
      const ms = Date.parse(event.timestamp);
      const d = Number.isNaN(ms) ? new Date() : new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      name = name
        .replaceAll('%Y', String(d.getUTCFullYear()))
        .replaceAll('%m', pad(d.getUTCMonth() + 1))
        .replaceAll('%d', pad(d.getUTCDate()));
    }
    // Index names are lower case in Elasticsearch.
    return name.toLowerCase();
  }

  encode(request: RequestEvents): string {
    const events = request.events();
    const ids = request.ids();
    const field = this.config.timestamp_field;
    let out = '';
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as LogEvent;
      const action = { [this.config.op_type]: { _index: this.indexFor(event), _id: ids[i] } };
      const doc = field && !(field in event) ? { [field]: event.timestamp, ...event } : event;
      out += `${JSON.stringify(action)}\n${JSON.stringify(doc)}\n`;
    }
    return out;
  }
}
