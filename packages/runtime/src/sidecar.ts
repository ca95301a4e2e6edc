/**
 * The contract between the runtime and a sidecar package.
 *
 * A sidecar exports a `SidecarDefinition`; the runtime parses the CLI, loads and validates the
 * config, owns the process (signals, exit codes, the admin server, logs, metrics) and drives the
 * instance that `build` returns through start → (reload)* → drain → stop.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RuntimeConfig } from './runtime-config.js';

/** One problem found in a config: a dotted path (`sinks.loki.endpoint`) and what is wrong there. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** A rule's `warning` does not fail the config: `check` prints it before `OK`, `run` logs it. */
  severity?: 'error' | 'warning';
}

export interface RuleContext {
  /** Resolves a path from the config relative to the config file's directory. */
  resolvePath(path: string): string;
}

export interface SidecarContext {
  /** The sidecar's name, e.g. `log-forwarder`. */
  readonly name: string;
  readonly logger: Logger;
  /** This process's metrics registry; name metrics with `metricName`. */
  readonly metrics: Registry;
  /** `outrigger_<sidecar>_<thing>_<unit>`: `metricName('sent_events_total')`. */
  metricName(suffix: string): string;
  /** Resolves a path from the config relative to the config file's directory. */
  resolvePath(path: string): string;
}

/**
 * Readiness means "I can serve the app": config loaded and the listeners or sources the app
 * uses open. Remote trouble (a sink down, no healthy upstream) belongs in `status()`, metrics
 * and logs, never here: a failing sidecar takes the whole pod out of its Service.
 */
export interface Readiness {
  ready: boolean;
  /** Why not ready (shown on /readyz), e.g. `starting`, `draining`. */
  reason?: string;
}

export interface SidecarInstance {
  /** Opens listeners, starts work. Resolves once started (not necessarily ready). */
  start(): Promise<void>;
  /** Polled by /readyz; must be cheap. */
  readiness(): Readiness;
  /**
   * Stop taking new work and finish what is in flight. `deadline` aborts when the drain deadline
   * is reached: give up then and resolve promptly. Sidecars that must keep serving until the
   * deadline (egress-proxy) resolve when it aborts.
   */
  drain(deadline: AbortSignal): Promise<void>;
  /** Units of work still in flight (reported as abandoned if the deadline cut the drain). */
  inFlight(): number;
  /** Persist state and release every resource. Called once, after drain. */
  stop(): Promise<void>;
  /** A JSON-able view for /status. */
  status?(): unknown;
  /** Apply a new, already validated config without dropping in-flight work (SIGHUP, a watched change). */
  reload?(config: unknown): Promise<void>;
}

/** Extra CLI verbs a sidecar adds (e.g. `api-adapter changelog -c FILE`). */
export interface CommandContext<C> {
  config: C;
  configPath: string;
  args: readonly string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CommandDefinition<C> {
  summary: string;
  /** Returns the process exit code. */
  run(ctx: CommandContext<C>): Promise<number>;
}

export type SidecarConfig<S extends TObject> = Static<S> & RuntimeConfig;

/** What loading and validating a config needs: the schema, its defaults and its rules. */
export interface ConfigDefinition<S extends TObject = TObject> {
  /** Lower-case, dash-separated; becomes the metric prefix `outrigger_<name_with_underscores>_`. */
  name: string;
  version: string;
  description: string;
  /** The sidecar's own keys. The runtime adds `admin`, `probes`, `log`, `shutdown` and `config_watch`. */
  schema: S;
  /** Default admin port (`admin.listen` defaults to `127.0.0.1:<port>`). */
  defaultAdminPort: number;
  /** Default probe port (`probes.listen` defaults to `0.0.0.0:<port>`, the pod IP). */
  defaultProbePort: number;
  /**
   * Cross-field rules, run only on a config that passed the schema. They may read files the config
   * names (through `ctx.resolvePath`) but must open no sockets: `check` runs them.
   */
  rules?(config: SidecarConfig<S>, ctx: RuleContext): ConfigIssue[];
}

export interface SidecarDefinition<S extends TObject = TObject> extends ConfigDefinition<S> {
  build(config: SidecarConfig<S>, ctx: SidecarContext): SidecarInstance | Promise<SidecarInstance>;
  commands?: Record<string, CommandDefinition<SidecarConfig<S>>>;
}
