/**
 * Runs one or several sidecar instances as this process: ordered start, readiness, signals,
 * reload, drain within a deadline, persisted state, and an exit code that says how it ended.
 * Several sidecars in one process (`outrigger run -c pod.yaml`) share one admin server, one
 * probe listener, one metrics registry and one SIGTERM; each keeps its own metric prefix and
 * logs with its own `sidecar` field.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { formatIssues, type LoadResult, loadConfig } from './config/load.js';
import { exitCodes } from './errors.js';
import { EventLoopWatchdog } from './event-loop-watchdog.js';
import type { LoggerHandle } from './logger.js';
import { createRegistry, metricPrefix, registerLogDropCounter, registerSidecarMetrics } from './metrics.js';
import { OperatorServer, type Reply } from './operator-server.js';
import { type RuntimeConfig, runtimeKeys } from './runtime-config.js';
import type { ConfigDefinition, Readiness, SidecarConfig, SidecarContext, SidecarDefinition, SidecarInstance } from './sidecar.js';
import { WatchedFiles } from './watched-files.js';

type State = 'starting' | 'running' | 'draining' | 'stopped';

const signalNumbers: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };
/** Beyond the drain deadline, how long `stop()` (persisting state) may take. */
const stopGraceMs = 5000;

/** One sidecar of the process. */
export interface Unit {
  definition: SidecarDefinition;
  /** The key of its section in a pod config; undefined when the whole file is its config. */
  section?: string;
}

export interface ProcessPlan {
  /** Loads and validates the config file (a sidecar's own definition, or the pod's). */
  loader: ConfigDefinition;
  units: readonly Unit[];
}

type Config = SidecarConfig<SidecarDefinition['schema']>;

/** A unit's view of the config: its section plus the process's runtime keys. */
export function unitConfig(config: Config, unit: Unit): Config {
  if (unit.section === undefined) return config;
  const section = (config as Record<string, unknown>)[unit.section] as Record<string, unknown>;
  const runtime = Object.fromEntries(runtimeKeys.map((k) => [k, (config as Record<string, unknown>)[k]]));
  return Object.freeze({ ...section, ...runtime }) as Config;
}

interface Running {
  unit: Unit;
  instance: SidecarInstance;
  config: Config;
}

export async function runProcess(plan: ProcessPlan, config: Config, configPath: string, log: LoggerHandle): Promise<never> {
  const { logger } = log;
  const startedAt = Date.now();
  const single = plan.units.length === 1 && plan.units[0]?.section === undefined;
  let state: State = 'starting';
  let current: Config & RuntimeConfig = config;
  const running: Running[] = [];
  const servers: OperatorServer[] = [];
  const watchdog = new EventLoopWatchdog(config.probes.max_event_loop_delay_ms);
  let configWatch: WatchedFiles | undefined;

  const exit = (code: number): never => {
    log.flush();
    process.exit(code);
  };

  process.on('uncaughtException', (error) => {
    logger.fatal({ code: 'OUTRIGGER_E_UNCAUGHT', err: error }, 'uncaught exception; exiting');
    exit(exitCodes.software);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ code: 'OUTRIGGER_E_UNCAUGHT', err: reason }, 'unhandled promise rejection; exiting');
    exit(exitCodes.software);
  });

  const unitReadiness = (r: Running): Readiness => (state === 'running' ? r.instance.readiness() : { ready: false, reason: state });
  const readiness = (): Readiness => {
    if (state !== 'running' || running.length < plan.units.length) return { ready: false, reason: state };
    const notReady = running.map((r) => [r, unitReadiness(r)] as const).filter(([, ready]) => !ready.ready);
    if (notReady.length === 0) return { ready: true };
    const reason = notReady.map(([r, ready]) => (single ? ready.reason : `${r.unit.definition.name}: ${ready.reason ?? 'not ready'}`));
    return { ready: false, reason: reason.join('; ') || 'not ready' };
  };

  const registry = createRegistry();
  // The log stream is the process's: one counter, named for the sidecar or for the process.
  registerLogDropCounter(registry, single ? metricPrefix(plan.loader.name) : 'outrigger_', log.droppedLines);
  const configDir = dirname(resolvePath(configPath));
  const contextFor = (unit: Unit): SidecarContext => {
    const name = unit.definition.name;
    const prefix = metricPrefix(name);
    registerSidecarMetrics(registry, name, unit.definition.version, () => {
      const r = running.find((x) => x.unit === unit);
      return r !== undefined && unitReadiness(r).ready;
    });
    return {
      name,
      logger: single ? logger : logger.child({ sidecar: name }),
      metrics: registry,
      metricName: (suffix) => prefix + suffix,
      resolvePath: (p) => resolvePath(configDir, p),
    };
  };

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting at once');
      exit(128 + (signalNumbers[signal] ?? 0));
    }
    shuttingDown = true;
    void configWatch?.close();
    const deadlineMs = current.shutdown.drain_timeout_ms;
    logger.info({ signal, drain_timeout_ms: deadlineMs }, 'shutting down: draining in-flight work');
    state = 'draining';
    let code: number = exitCodes.ok;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    // Every sidecar drains at once: the deadline is the pod's, not each one's.
    await Promise.all(
      running.map(async (r) => {
        try {
          await r.instance.drain(deadline.signal);
        } catch (error) {
          logger.error({ err: error, sidecar: r.unit.definition.name }, 'drain failed');
          code = exitCodes.failure;
        }
      }),
    );
    clearTimeout(timer);
    const abandoned = running.reduce((n, r) => n + r.instance.inFlight(), 0);
    if (abandoned > 0) {
      logger.error(
        { code: 'OUTRIGGER_E_DRAIN_TIMEOUT', abandoned, drain_timeout_ms: deadlineMs },
        `drain deadline reached: abandoning ${abandoned} in-flight unit(s) of work`,
      );
      code = exitCodes.failure;
    }
    const stopTimer = setTimeout(() => {
      logger.error({ code: 'OUTRIGGER_E_DRAIN_TIMEOUT' }, `stop did not finish within ${stopGraceMs} ms; exiting`);
      exit(exitCodes.failure);
    }, stopGraceMs);
    // Stop in reverse start order: what started last may depend on what started first.
    for (const r of [...running].reverse()) {
      try {
        await r.instance.stop();
      } catch (error) {
        logger.error({ err: error, sidecar: r.unit.definition.name }, 'stop failed; state may not be persisted');
        code = exitCodes.failure;
      }
    }
    clearTimeout(stopTimer);
    state = 'stopped';
    watchdog.stop();
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    logger.info({ exit_code: code }, code === 0 ? 'stopped cleanly' : 'stopped with abandoned work');
    exit(code);
  };

  let reloading: Promise<void> = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(() => applyReload(why));
    return reloading;
  };
  const applyReload = async (why: string) => {
    if (shuttingDown) return;
    const result: LoadResult<Config> = await loadConfig<Config>(plan.loader, configPath);
    if (!result.ok) {
      logger.error(
        { code: 'OUTRIGGER_E_RELOAD', trigger: why, issues: result.issues },
        `reload refused; keeping the running config:\n${formatIssues(result.issues)}`,
      );
      return;
    }
    const next = result.config;
    let applied = 0;
    for (const r of running) {
      const nextConfig = unitConfig(next, r.unit);
      if (JSON.stringify(nextConfig) === JSON.stringify(r.config)) continue;
      const name = r.unit.definition.name;
      if (!r.instance.reload) {
        logger.warn({ trigger: why, sidecar: name }, `${name} does not support reload; restart it to apply the new config`);
        continue;
      }
      try {
        await r.instance.reload(nextConfig);
        r.config = nextConfig;
        applied++;
      } catch (error) {
        logger.error(
          { code: 'OUTRIGGER_E_RELOAD', trigger: why, sidecar: name, err: error },
          'reload rejected by the sidecar; keeping its running config',
        );
      }
    }
    for (const key of ['admin', 'probes'] as const) {
      if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) logger.warn(`${key} settings change only on restart`);
    }
    const watchChanged = JSON.stringify(next.config_watch) !== JSON.stringify(current.config_watch);
    current = next;
    logger.level = process.env.LOG_LEVEL || current.log.level;
    logger.info({ trigger: why, sidecars_reloaded: applied }, 'config reloaded');
    if (watchChanged) await watchConfig();
  };

  // Nobody sends a sidecar SIGHUP in Kubernetes: a ConfigMap update is the kubelet's atomic swap
  // of the volume's `..data` symlink. The watcher sees it (and an edit in place) and reloads.
  const watchConfig = async () => {
    await configWatch?.close();
    configWatch = undefined;
    if (!current.config_watch.enabled || shuttingDown) return;
    configWatch = new WatchedFiles([configPath], () => void reload('config file changed'), {
      debounceMs: current.config_watch.debounce_ms,
    });
    await configWatch.ready();
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => void reload('SIGHUP'));

  const status = () => {
    const base = {
      state,
      uptime_ms: Date.now() - startedAt,
      config_file: resolvePath(configPath),
      readiness: readiness(),
    };
    if (single) {
      const r = running[0];
      const def = plan.units[0]?.definition as SidecarDefinition;
      return { sidecar: def.name, version: def.version, ...base, ...(r?.instance.status ? { detail: r.instance.status() } : {}) };
    }
    return {
      process: plan.loader.name,
      version: plan.loader.version,
      ...base,
      sidecars: Object.fromEntries(
        running.map((r) => [
          r.unit.definition.name,
          {
            version: r.unit.definition.version,
            readiness: unitReadiness(r),
            ...(r.instance.status ? { detail: r.instance.status() } : {}),
          },
        ]),
      ),
    };
  };
  const healthz = (): Reply => {
    const health = watchdog.health();
    return health.healthy ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'wedged', reason: health.reason } };
  };
  const readyz = (): Reply => {
    const r = readiness();
    return r.ready ? { status: 200, body: { ready: true } } : { status: 503, body: { ready: false, reason: r.reason ?? 'not ready' } };
  };
  const metrics = async (): Promise<Reply> => ({ status: 200, text: await registry.metrics(), contentType: registry.contentType });

  try {
    for (const unit of plan.units) {
      const ctx = contextFor(unit);
      const unitConf = unitConfig(config, unit);
      running.push({ unit, instance: await unit.definition.build(unitConf, ctx), config: unitConf });
    }
    if (config.admin.enabled) {
      const admin = new OperatorServer({
        '/healthz': healthz,
        '/readyz': readyz,
        '/metrics': metrics,
        '/status': () => ({ status: 200, body: status() }),
      });
      servers.push(admin);
      logger.info({ listener: 'admin', address: await admin.listen(config.admin.listen) }, 'listening');
    }
    if (config.probes.listen !== '') {
      const probes = new OperatorServer({ '/healthz': healthz, '/readyz': readyz, '/metrics': metrics });
      servers.push(probes);
      logger.info({ listener: 'probes', address: await probes.listen(config.probes.listen) }, 'listening');
    }
    for (const r of running) await r.instance.start();
  } catch (error) {
    logger.error({ code: 'OUTRIGGER_E_START', err: error }, `failed to start: ${(error as Error).message}`);
    for (const r of [...running].reverse()) await r.instance.stop().catch(() => {});
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    return exit(exitCodes.failure);
  }
  if (!shuttingDown) state = 'running';
  watchdog.start();
  await watchConfig();
  // Since the process started (includes module loading), which is what a pod's readiness waits for.
  logger.info(
    {
      version: plan.loader.version,
      startup_ms: Math.round(performance.now()),
      ...(single ? {} : { sidecars: plan.units.map((u) => u.definition.name) }),
    },
    'started',
  );
  // Everything from here on is driven by events; keep this promise pending.
  return new Promise<never>(() => {});
}
