/** The admin server: /healthz, /readyz, /metrics, /status. Loopback by default. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { formatHostPort, parseHostPort } from './host-port.js';
import type { Readiness } from './sidecar.js';

export interface AdminSources {
  readiness(): Readiness;
  status(): unknown;
  metrics: Registry;
}

export class AdminServer {
  private readonly app: FastifyInstance;

  constructor(sources: AdminSources) {
    this.app = Fastify({
      logger: false,
      return503OnClosing: false,
      // No route here has a schema: skip loading Ajv and fast-json-stringify (~10 ms of start-up).
      // (Fastify types these factories as Ajv's own; ours are never called.)
      schemaController: {
        compilersFactory: {
          buildValidator: (() => () => () => true) as never,
          buildSerializer: () => () => (data: unknown) => JSON.stringify(data),
        },
      },
    });
    this.app.get('/healthz', async () => ({ status: 'ok' }));
    this.app.get('/readyz', async (_req, reply) => {
      const r = sources.readiness();
      reply.code(r.ready ? 200 : 503);
      return r.ready ? { ready: true } : { ready: false, reason: r.reason ?? 'not ready' };
    });
    this.app.get('/metrics', async (_req, reply) => {
      reply.type(sources.metrics.contentType);
      return sources.metrics.metrics();
    });
    this.app.get('/status', async () => sources.status());
  }

  /** Binds and returns the bound address (`host:port`, the real port when 0 was asked for). */
  async listen(address: string): Promise<string> {
    const { host, port } = parseHostPort(address);
    await this.app.listen({ host, port, listenTextResolver: () => '' });
    const bound = this.app.server.address();
    if (bound === null || typeof bound === 'string') return address;
    return formatHostPort({ host: bound.address, port: bound.port });
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
