/** Builds the running sidecar from a validated config: engine, upstream pool, listener. */
import { OutriggerError, redactUrl, type SidecarContext, type SidecarInstance, TlsFiles } from '@outrigger/runtime';
import { BufferBudget } from './body/budget.js';
import type { AdapterConfig } from './config.js';
import { Engine } from './engine.js';
import { listenAddress, listenWarnings } from './listen.js';
import { AdapterMetrics } from './metrics.js';
import { AdapterProxy } from './proxy.js';
import { Listener } from './server.js';
import { handleUpgrade } from './upgrade.js';
import { createPool } from './upstream.js';

export function compileOrThrow(config: AdapterConfig, resolvePath: (p: string) => string | undefined): Engine {
  const { engine, issues } = Engine.compile(config, resolvePath);
  if (!engine) {
    throw new OutriggerError(
      'OUTRIGGER_E_ADAPTER_CONFIG',
      `the version chain does not compile:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
  return engine;
}

export function buildAdapter(config: AdapterConfig, ctx: SidecarContext): SidecarInstance {
  const engine = compileOrThrow(config, ctx.resolvePath);
  for (const w of listenWarnings(config)) ctx.logger.warn({ path: w.path }, w.message);
  const metrics = new AdapterMetrics(ctx.metrics, (s) => ctx.metricName(s));
  engine.onWalkLimit = (limit) => metrics.walkLimits.inc({ limit });
  const tls =
    new URL(config.upstream.url).protocol === 'https:'
      ? new TlsFiles(config.upstream.tls, { resolvePath: (p) => ctx.resolvePath(p), logger: ctx.logger })
      : undefined;
  const pool = createPool(config.upstream, tls);
  const budget = new BufferBudget(config.body.max_buffered_bytes);
  metrics.observeBudget(budget);
  let listener: Listener | undefined;
  const proxy = new AdapterProxy({
    engine,
    pool,
    metrics,
    logger: ctx.logger,
    body: config.body,
    budget,
    accessLog: config.access_log,
    draining: () => listener?.draining ?? false,
  });
  const l = new Listener({
    listen: listenAddress(config),
    limits: config.server,
    logger: ctx.logger,
    handler: proxy.handle,
    upgrade: (req, socket, head) => upgrade(req, socket, head),
    errorResponse: (err) => engine.errorResponse(err),
    counted: (code) => metrics.errors.inc({ code }),
    dropped: () => metrics.droppedConnections.inc(),
  });
  listener = l;
  const upgrade = handleUpgrade(engine, config.upstream, tls, ctx.logger, l.track);
  let started = false;
  return {
    async start() {
      await tls?.ready();
      engine.scripts.start();
      await l.start();
      started = true;
    },
    readiness: () => (started && !l.draining ? { ready: true } : { ready: false, reason: started ? 'draining' : 'not listening yet' }),
    drain: (deadline) => l.drain(deadline),
    inFlight: () => l.inFlight(),
    async stop() {
      await l.stop();
      await pool.destroy();
      await engine.scripts.close();
      await tls?.close();
    },
    status: () => ({
      mode: config.mode,
      listen: l.address,
      upstream: { url: redactUrl(config.upstream.url), version: config.upstream.version },
      versions: engine.chain.versions,
      default_version: config.versioning.default ?? engine.chain.newest,
      in_flight: l.inFlight(),
    }),
  };
}
