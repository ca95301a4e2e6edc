/**
 * The graph from sources through transforms to sinks, by `inputs`: which sinks a source's events
 * reach, and the events a sink gets from a batch once the transforms on its way have run.
 */
import { type BatchData, DerivedData } from '../batch.js';
import type { LogEvent } from '../sink/sink.js';
import { type TransformFn, transformFactory } from '../transform/index.js';
import type { SinkRunner } from './sink-runner.js';

interface TransformNode {
  name: string;
  inputs: string[];
  fn: TransformFn;
}

interface Derived {
  events: LogEvent[];
  origin: number[];
}

export interface Route {
  runner: SinkRunner;
  /** The sink takes the source itself (no transform on the way). */
  direct: boolean;
}

export class Routes {
  readonly #transforms = new Map<string, TransformNode>();
  /** Per source: the sinks its events reach (by name). */
  readonly #routes = new Map<string, Map<string, Route>>();
  /** Per transform: the one sink whose lanes count the events it drops (each event is counted once). */
  readonly #dropCounter = new Map<string, string>();

  constructor(
    transforms: Record<string, { type: string; inputs: string[] }>,
    sources: Iterable<string>,
    runners: Iterable<SinkRunner>,
    readonly onDropped: (transform: string, count: number) => void,
  ) {
    for (const [name, t] of Object.entries(transforms)) {
      const f = transformFactory(t.type);
      if (!f) throw new Error(`transforms.${name}.type: unknown transform "${t.type}"`);
      this.#transforms.set(name, { name, inputs: t.inputs, fn: f.create(t) });
    }
    const sinks = [...runners];
    for (const runner of sinks) {
      for (const node of this.#transforms.keys()) {
        if (!this.#dropCounter.has(node) && runner.inputs.some((i) => this.#reaches(i, node, new Set()))) {
          this.#dropCounter.set(node, runner.name);
        }
      }
    }
    for (const name of sources) {
      const routes = new Map<string, Route>();
      for (const runner of sinks) {
        const reach = runner.inputs.filter((i) => this.#reaches(i, name, new Set()));
        if (reach.length === 0) continue;
        routes.set(runner.name, { runner, direct: reach.length === 1 && reach[0] === name });
      }
      this.#routes.set(name, routes);
    }
  }

  /** The sinks `source`'s events reach. */
  sinksOf(source: string): string[] {
    return [...(this.#routes.get(source)?.keys() ?? [])];
  }

  route(source: string, sink: string): Route | undefined {
    return this.#routes.get(source)?.get(sink);
  }

  /** What `route` gets of `data` (read from `source`): the batch itself, or what the transforms leave. */
  derive(route: Route, source: string, data: BatchData): BatchData {
    if (route.direct) return data;
    const memo = new Map<string, Derived | null>();
    const events: LogEvent[] = [];
    const origin: number[] = [];
    for (const input of route.runner.inputs) {
      const der = this.#derive(input, source, data, memo, route.runner.name);
      if (!der) continue;
      for (let i = 0; i < der.events.length; i++) {
        events.push(der.events[i] as LogEvent);
        origin.push(der.origin[i] as number);
      }
    }
    return new DerivedData(data, events, origin);
  }

  /** Does node `from` carry events of source `source`? */
  #reaches(from: string, source: string, seen: Set<string>): boolean {
    if (from === source) return true;
    const t = this.#transforms.get(from);
    if (!t || seen.has(from)) return false;
    seen.add(from);
    return t.inputs.some((i) => this.#reaches(i, source, seen));
  }

  #derive(node: string, source: string, data: BatchData, memo: Map<string, Derived | null>, sink: string): Derived | null {
    if (memo.has(node)) return memo.get(node) ?? null;
    let result: Derived | null = null;
    if (node === source) {
      const events = data.events() as LogEvent[];
      result = { events, origin: events.map((_, i) => i) };
    } else {
      const t = this.#transforms.get(node);
      if (t) {
        const events: LogEvent[] = [];
        const origin: number[] = [];
        let dropped = 0;
        for (const input of t.inputs) {
          const d = this.#derive(input, source, data, memo, sink);
          if (!d) continue;
          result = result ?? { events, origin };
          for (let i = 0; i < d.events.length; i++) {
            const out = t.fn(d.events[i] as LogEvent);
            if (out) {
              events.push(out);
              origin.push(d.origin[i] as number);
            } else dropped++;
          }
        }
        if (dropped > 0 && this.#dropCounter.get(node) === sink) this.onDropped(node, dropped);
      }
    }
    memo.set(node, result);
    return result;
  }
}
