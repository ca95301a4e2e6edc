/** Builds the running sidecar from a validated config: engine, upstream pool, listener. */

import type { Duplex } from 'node:stream';
import { OutriggerError, redactUrl, type SidecarContext, type SidecarInstance, TlsFiles } from '@outrigger/runtime';
import type { Pool } from 'undici';
import { BufferBudget } from './body/budget.js';
import type { AdapterConfig } from './config.js';
import { Engine } from './engine.js';
import { listenAddress } from './listen.js';
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

/**
 * What a config builds besides the listener: the compiled chain, the upstream pool and its TLS
 * files, the proxy. A reload builds a new one and swaps it in at once; exchanges that started on
 * the old one finish on it, and it is closed when the last of them ends.
 */
interface Generation {
  config: AdapterConfig;
  engine: Engine;
  tls: TlsFiles | undefined;
  pool: Pool;
  proxy: AdapterProxy;
  upgrade: ReturnType<typeof handleUpgrade>;
  inflight: number;
  retired: boolean;
}

interface Shared {
  ctx: SidecarContext;
  metrics: AdapterMetrics;
  budget: BufferBudget;
  draining(): boolean;
  track(socket: Duplex): void;
}

function generation(config: AdapterConfig, s: Shared): Generation {
  const { ctx, metrics } = s;
  const engine = compileOrThrow(config, ctx.resolvePath);
  engine.onWalkLimit = (limit) => metrics.walkLimits.inc({ limit });
  const tls =
    new URL(config.upstream.url).protocol === 'https:'
      ? new TlsFiles(config.upstream.tls, { resolvePath: (p) => ctx.resolvePath(p), logger: ctx.logger })
      : undefined;
  const pool = createPool(config.upstream, tls);
  const proxy = new AdapterProxy({
    engine,
    pool,
    metrics,
    logger: ctx.logger,
    body: config.body,
    budget: s.budget,
    accessLog: config.access_log,
    draining: s.draining,
  });
  const upgrade = handleUpgrade(engine, config.upstream, tls, ctx.logger, s.track);
  return { config, engine, tls, pool, proxy, upgrade, inflight: 0, retired: false };
}

async function closeGeneration(g: Generation, destroy: boolean): Promise<void> {
  await (destroy ? g.pool.destroy() : g.pool.close());
  await g.engine.scripts.close();
  await g.tls?.close();
}

export function buildAdapter(config: AdapterConfig, ctx: SidecarContext): SidecarInstance {
  const metrics = new AdapterMetrics(ctx.metrics, (s) => ctx.metricName(s));
  const budget = new BufferBudget(config.body.max_buffered_bytes);
  metrics.observeBudget(budget);
  let listener: Listener | undefined;
  const shared: Shared = {
    ctx,
    metrics,
    budget,
    draining: () => listener?.draining ?? false,
    track: (socket) => listener?.track(socket),
  };
  let current = generation(config, shared);
  const retiring = new Set<Generation>();
  const retire = (g: Generation) => {
    g.retired = true;
    retiring.add(g);
    if (g.inflight === 0) void closeGeneration(g, false).finally(() => retiring.delete(g));
  };
  const l = new Listener({
    listen: listenAddress(config),
    limits: config.server,
    logger: ctx.logger,
    handler: (req, res) => {
      const g = current;
      g.inflight++;
      res.once('close', () => {
        g.inflight--;
        if (g.retired && g.inflight === 0) void closeGeneration(g, false).finally(() => retiring.delete(g));
      });
      g.proxy.handle(req, res);
    },
    upgrade: (req, socket, head) => current.upgrade(req, socket, head),
    errorResponse: (err) => current.engine.errorResponse(err),
    counted: (code) => metrics.errors.inc({ code }),
    dropped: () => metrics.droppedConnections.inc(),
  });
  listener = l;
  let started = false;
  return {
    async start() {
      await current.tls?.ready();
      current.engine.scripts.start();
      await l.start();
      started = true;
    },
    readiness: () => (started && !l.draining ? { ready: true } : { ready: false, reason: started ? 'draining' : 'not listening yet' }),
    drain: (deadline) => l.drain(deadline),
    inFlight: () => l.inFlight(),
    async stop() {
      await l.stop();
      await Promise.all([current, ...retiring].map((g) => closeGeneration(g, true)));
    },
    async reload(next: unknown) {
      const cfg = next as AdapterConfig;
      const was = current.config;
      if (listenAddress(cfg) !== listenAddress(was) || JSON.stringify(cfg.server) !== JSON.stringify(was.server)) {
        ctx.logger.warn('listen and server settings change only on restart; the chain and the upstream are reloaded');
      }
      const g = generation(cfg, shared);
      try {
        await g.tls?.ready();
      } catch (err) {
        await closeGeneration(g, true);
        throw err;
      }
      g.engine.scripts.start();
      budget.limit = cfg.body.max_buffered_bytes;
      const old = current;
      current = g;
      retire(old);
      ctx.logger.info({ versions: g.engine.chain.versions, upstream: redactUrl(cfg.upstream.url) }, 'version chain and upstream reloaded');
    },
    status: () => {
      const c = current.config;
      return {
        mode: c.mode,
        listen: l.address,
        upstream: { url: redactUrl(c.upstream.url), version: c.upstream.version },
        versions: current.engine.chain.versions,
        default_version: c.versioning.default ?? current.engine.chain.newest,
        in_flight: l.inFlight(),
      };
    },
  };
}
