/**
 * `outrigger-inject serve --cert FILE --key FILE [--listen HOST:PORT]`: the webhook over TLS
 * (fastify). The certificate files are watched and a new pair is taken without a restart (a
 * cert-manager renewal or a Secret volume's ..data swap), the old one staying until both read.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { WatchedFiles } from '@outrigger/runtime';
import Fastify from 'fastify';
import type { InjectOptions } from './inject.js';
import { review } from './webhook.js';

export interface ServeOptions extends InjectOptions {
  cert: string;
  key: string;
  listen?: string;
  /** How long the cert files must be quiet before they are re-read (ms; a renewal writes both). */
  certDebounceMs?: number;
}

export async function serve(o: ServeOptions) {
  const pair = () => ({ cert: readFileSync(o.cert), key: readFileSync(o.key) });
  const app = Fastify({ https: pair(), logger: { level: process.env.LOG_LEVEL ?? 'info' }, bodyLimit: 8 << 20 });
  app.post('/mutate', async (req) => review(req.body as Parameters<typeof review>[0], o));
  app.get('/healthz', async () => ({ status: 'ok' }));
  const reload = () => {
    try {
      (app.server as Server).setSecureContext(pair());
      app.log.info({ cert: o.cert }, 'TLS certificate reloaded');
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, 'TLS certificate not reloaded; the previous one stays');
    }
  };
  // The runtime's watcher, as the sidecars' TLS files use: it follows a Secret volume's `..data`
  // swap and an edit in place, and compares content, so an unchanged touch reloads nothing.
  const watch = new WatchedFiles([o.cert, o.key], reload, { debounceMs: o.certDebounceMs ?? 200 });
  await watch.ready();
  app.addHook('onClose', () => watch.close());
  const [host, port] = (o.listen ?? '0.0.0.0:8443').split(/:(?=\d+$)/) as [string, string];
  const address = await app.listen({ host, port: Number(port) });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
  return { app, address };
}
