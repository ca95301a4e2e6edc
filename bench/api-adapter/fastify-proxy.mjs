// The anchor: @fastify/http-proxy passing everything through to UPSTREAM.
// Prints {"port": N} once listening on 127.0.0.1:0. Both packages are devDependencies of
// @outrigger/api-adapter, so they are resolved from there.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../packages/api-adapter/package.json'));
const load = async (name) => (await import(pathToFileURL(require.resolve(name)).href)).default;
const Fastify = await load('fastify');
const proxy = await load('@fastify/http-proxy');

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: process.env.UPSTREAM, http2: false });
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: app.server.address().port }));
