/**
 * Runs one sidecar instance as this process: ordered start, readiness, signals, reload, drain
 * within a deadline, persisted state, and an exit code that says how it ended.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { AdminServer } from './admin-server.js';
import { formatIssues, loadConfig } from './config/load.js';
import { exitCodes } from './errors.js';
import type { LoggerHandle } from './logger.js';
import { createMetrics, metricPrefix } from './metrics.js';
import type { SidecarConfig, SidecarContext, SidecarDefinition, SidecarInstance } from './sidecar.js';

type State = 'starting' | 'running' | 'draining' | 'stopped';

const signalNumbers: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };
/** Beyond the drain deadline, how long `stop()` (persisting state) may take. */
const stopGraceMs = 5000;

export async function runSidecar<S extends TObject>(
  definition: SidecarDefinition<S>,
  config: SidecarConfig<S>,
  configPath: string,
  log: LoggerHandle,
): Promise<never> {
  const { logger } = log;
  const startedAt = Date.now();
  let state: State = 'starting';
  let current = config;
  let instance: SidecarInstance | undefined;
  let admin: AdminServer | undefined;

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

  const readiness = () => {
    if (state !== 'running' || !instance) return { ready: false, reason: state };
    return instance.readiness();
  };
  const registry = createMetrics(definition.name, definition.version, () => readiness().ready, log.droppedLines);
  const prefix = metricPrefix(definition.name);
  const configDir = dirname(resolvePath(configPath));
  const ctx: SidecarContext = {
    name: definition.name,
    logger,
    metrics: registry,
    metricName: (suffix) => prefix + suffix,
    resolvePath: (p) => resolvePath(configDir, p),
  };

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting at once');
      exit(128 + (signalNumbers[signal] ?? 0));
    }
    shuttingDown = true;
    const deadlineMs = current.shutdown.drain_timeout_ms;
    logger.info({ signal, drain_timeout_ms: deadlineMs }, 'shutting down: draining in-flight work');
    state = 'draining';
    let code: number = exitCodes.ok;
    if (instance) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), deadlineMs);
      try {
        await instance.drain(deadline.signal);
      } catch (error) {
        logger.error({ err: error }, 'drain failed');
        code = exitCodes.failure;
      }
      clearTimeout(timer);
      const abandoned = instance.inFlight();
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
      try {
        await instance.stop();
      } catch (error) {
        logger.error({ err: error }, 'stop failed; state may not be persisted');
        code = exitCodes.failure;
      }
      clearTimeout(stopTimer);
    }
    state = 'stopped';
    await admin?.close().catch(() => {});
    logger.info({ exit_code: code }, code === 0 ? 'stopped cleanly' : 'stopped with abandoned work');
    exit(code);
  };

  const reload = async () => {
    if (!instance?.reload) {
      logger.warn('SIGHUP: this sidecar does not support reload; restart it to apply a new config');
      return;
    }
    const result = await loadConfig<SidecarConfig<S>>(definition as SidecarDefinition, configPath);
    if (!result.ok) {
      logger.error(
        { code: 'OUTRIGGER_E_RELOAD', issues: result.issues },
        `reload refused; keeping the running config:\n${formatIssues(result.issues)}`,
      );
      return;
    }
    try {
      await instance.reload(result.config);
      if (result.config.admin.listen !== current.admin.listen) logger.warn('admin.listen changed: takes effect on restart');
      current = result.config;
      logger.level = process.env.LOG_LEVEL || current.log.level;
      logger.info('config reloaded');
    } catch (error) {
      logger.error({ code: 'OUTRIGGER_E_RELOAD', err: error }, 'reload rejected by the sidecar; keeping the running config');
    }
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => void reload());

  try {
    instance = await definition.build(config, ctx);
    if (config.admin.enabled) {
      admin = new AdminServer({
        readiness,
        metrics: registry,
        status: () => ({
          sidecar: definition.name,
          version: definition.version,
          state,
          uptime_ms: Date.now() - startedAt,
          config_file: resolvePath(configPath),
          readiness: readiness(),
          ...(instance?.status ? { detail: instance.status() } : {}),
        }),
      });
      const address = await admin.listen(config.admin.listen);
      logger.info({ listener: 'admin', address }, 'listening');
    }
    await instance.start();
  } catch (error) {
    logger.error({ code: 'OUTRIGGER_E_START', err: error }, `failed to start: ${(error as Error).message}`);
    await instance?.stop().catch(() => {});
    await admin?.close().catch(() => {});
    return exit(exitCodes.failure);
  }
  if (!shuttingDown) state = 'running';
  // Since the process started (includes module loading), which is what a pod's readiness waits for.
  logger.info({ version: definition.version, startup_ms: Math.round(performance.now()) }, 'started');
  // Everything from here on is driven by events; keep this promise pending.
  return new Promise<never>(() => {});
}
