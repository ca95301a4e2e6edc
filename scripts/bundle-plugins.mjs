// esbuild plugins for the bundles (scripts/bundle.mjs): what Node and our dependencies would load at start-up and no sidecar uses.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireBuiltin = createRequire(import.meta.url);

// An ESM `import ... from 'node:http'` makes Node build the module's namespace, which reads every
// export, lazy ones included: `http.WebSocket` loads Node's internal copy of undici (+11 MB RSS,
// ~50 ms of start-up, measured in docs/benchmarks.md "Footprint"), `tls.rootCertificates` copies
// every CA certificate, and merely asking for the descriptors of `util`'s exports loads
// worker_threads, the REPL's readline and the assertion differ. The bundles take each built-in from
// `process.getBuiltinModule()` behind a CommonJS stand-in whose exports are getters: esbuild reads
// an import (`import { x } from`) of a CommonJS module as a property at each use (`mod.x`), so
// nothing is read that the code does not use.
function builtinGetters(path, names) {
  return `const m = process.getBuiltinModule(${JSON.stringify(`node:${path}`)});
module.exports = Object.defineProperties({}, {${names.map((k) => `${JSON.stringify(k)}: { enumerable: true, get: () => m[${JSON.stringify(k)}] }`).join(', ')}});`;
}

// Built-ins that cost megabytes when loaded (measured alone beside http, net and fs: tls +7.6 MB
// RSS, crypto +4.7, worker_threads +3.4, zlib +1.0) and that a sidecar needs only for some configs
// (TLS, gzip, scripts, ...). Not assert: undici calls it on every request, and a Proxy's traps on a
// hot path cost more than the idle megabytes, which the sidecars' other modules share anyway.
// The bundles load them on first use: the module our sources import (or our dependencies
// require) is a stand-in that names the exports and fetches the real module on the first access.
const onFirstUse = new Set(['tls', 'crypto', 'zlib', 'vm', 'worker_threads', 'http2']);

function builtinOnFirstUse(path, names) {
  return `const names = ${JSON.stringify(names)};
let m;
const load = () => (m ??= process.getBuiltinModule(${JSON.stringify(`node:${path}`)}));
module.exports = new Proxy({}, {
  get: (_, k) => (k === '__esModule' ? undefined : load()[k]),
  set: (_, k, v) => { load()[k] = v; return true; },
  has: (_, k) => k in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, k) =>
    names.includes(k) ? { configurable: true, enumerable: true, get: () => load()[k] } : undefined,
});`;
}

export const builtinsPlugin = {
  name: 'builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' ? { path: args.path.slice(5), namespace: 'builtin' } : undefined,
    );
    // Our dependencies' require() of a built-in loaded on first use (others stay plain requires).
    b.onResolve({ filter: /^(node:)?[a-z_0-9]+$/ }, (args) => {
      const path = args.path.replace(/^node:/, '');
      return args.kind === 'require-call' && onFirstUse.has(path) ? { path, namespace: 'builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: onFirstUse.has(path)
        ? builtinOnFirstUse(path, Object.keys(requireBuiltin(`node:${path}`)))
        : builtinGetters(path, Object.keys(requireBuiltin(`node:${path}`))),
      loader: 'js',
    }));
  },
};

// undici's cookie helpers read `globalThis.Headers` when undici is imported, to accept Node's own
// Headers objects too; that read loads Node's internal copy of undici (a second undici: +11 MB RSS).
// The sidecars never call undici's cookie helpers, so the bundles accept undici's own Headers only.
const undiciCookies = /[\\/]undici[\\/]lib[\\/]web[\\/]cookies[\\/]index\.js$/;
export const undiciCookiesPlugin = {
  name: 'undici-cookies',
  setup(b) {
    b.onLoad({ filter: undiciCookies }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const read = '[Headers, globalThis.Headers]';
      if (!source.includes(read)) return { warnings: [{ text: `${path}: no ${read} any more; drop undiciCookiesPlugin?` }] };
      return { contents: source.replace(read, '[Headers]'), loader: 'js' };
    });
  },
};

// prom-client's index also loads its Pushgateway (http, https, zlib) and AggregatorRegistry
// (cluster, child_process): +11 MB RSS for a bare process. The bundles take what the sidecars
// use from prom-client's own files; an import of anything else fails the build.
const promClientExports = `
import Registry from './lib/registry.js';
export { Registry };
export const register = Registry.globalRegistry;
export { default as Counter } from './lib/counter.js';
export { default as Gauge } from './lib/gauge.js';
export { default as Histogram } from './lib/histogram.js';
export { default as Summary } from './lib/summary.js';
export { default as collectDefaultMetrics } from './lib/defaultMetrics.js';
export { linearBuckets, exponentialBuckets } from './lib/bucketGenerators.js';
`;
export const promClientPlugin = {
  name: 'prom-client',
  setup(b) {
    b.onResolve({ filter: /^prom-client$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const index = await b.resolve('prom-client', { kind: 'require-call', resolveDir: args.resolveDir, pluginData: 'real' });
      if (index.errors.length > 0) return { errors: index.errors };
      return { path: index.path, namespace: 'prom-client' };
    });
    b.onLoad({ filter: /.*/, namespace: 'prom-client' }, ({ path }) => ({
      contents: promClientExports,
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};

// undici's index loads all of undici: fetch, WebSocket, EventSource, caches, mocks, proxy agents
// (1 MB of code; its fetch also makes Node load its own internal undici). The sidecars use its
// dispatchers only, so the bundles take those from undici's files, with the request API the index
// adds to Dispatcher.prototype. If undici moves these files, the build warns and bundles the index.
const undiciFiles = {
  Dispatcher: 'lib/dispatcher/dispatcher.js',
  api: 'lib/api/index.js',
  Client: 'lib/dispatcher/client.js',
  Pool: 'lib/dispatcher/pool.js',
  Agent: 'lib/dispatcher/agent.js',
  buildConnector: 'lib/core/connect.js',
  errors: 'lib/core/errors.js',
};
const undiciExports = `
import Dispatcher from './${undiciFiles.Dispatcher}';
import api from './${undiciFiles.api}';
Object.assign(Dispatcher.prototype, api);
export { Dispatcher };
${['Client', 'Pool', 'Agent', 'buildConnector', 'errors'].map((k) => `export { default as ${k} } from './${undiciFiles[k]}';`).join('\n')}
`;
export const undiciPlugin = {
  name: 'undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const index = await b.resolve('undici', { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
      if (index.errors.length > 0) return { errors: index.errors };
      const missing = Object.values(undiciFiles).filter((f) => !existsSync(join(dirname(index.path), f)));
      if (missing.length > 0) return { ...index, warnings: [{ text: `undici has no ${missing.join(', ')}: bundling all of undici` }] };
      return { path: index.path, namespace: 'undici' };
    });
    b.onLoad({ filter: /.*/, namespace: 'undici' }, ({ path }) => ({ contents: undiciExports, resolveDir: dirname(path), loader: 'js' }));
  },
};

// prom-client's CPU metric requires @opentelemetry/api when loaded, for exemplars, which the
// sidecars never enable: ~8 ms of start-up. The bundles require it on first use instead.
const otelRequire = "const OtelApi = require('@opentelemetry/api');";
const otelLazy =
  "let otelApi; const OtelApi = { get trace() { return (otelApi ??= require('@opentelemetry/api')).trace; }, get context() { return (otelApi ??= require('@opentelemetry/api')).context; } };";
export const promClientOtelPlugin = {
  name: 'prom-client-otel',
  setup(b) {
    b.onLoad({ filter: /[\\/]prom-client[\\/]lib[\\/]metrics[\\/]processCpuTotal\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes(otelRequire)) return { warnings: [{ text: `${path}: no ${otelRequire} any more; drop promClientOtelPlugin?` }] };
      return { contents: source.replace(otelRequire, otelLazy), loader: 'js' };
    });
  },
};

// undici's Client requires its HTTP/2 half when loaded, and that loads `node:http2` (with readline
// and the REPL's history, which http2 pulls in): +13 MB RSS for a process that never speaks h2 —
// the sidecars keep upstream connections on HTTP/1.1 (`allowH2: false`). The bundles load it on
// the first h2 connection instead.
const h2Require = "const connectH2 = require('./client-h2.js')";
const h2Lazy = "let clientH2; const connectH2 = (client, socket) => (clientH2 ??= require('./client-h2.js'))(client, socket)";
export const undiciH2Plugin = {
  name: 'undici-h2',
  setup(b) {
    b.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes(h2Require)) return { warnings: [{ text: `${path}: no ${h2Require} any more; drop undiciH2Plugin?` }] };
      return { contents: source.replace(h2Require, h2Lazy), loader: 'js' };
    });
  },
};

// pino reads `isMainThread` from worker_threads and loads its transport (thread-stream, a Worker)
// when imported; the sidecars give pino a stream of their own (runtime/src/log-stream.ts) and
// never a transport. The bundles look both up when pino would use them.
const pinoTools = [
  ["const { isMainThread } = require('worker_threads')", "const isMainThread = () => require('worker_threads').isMainThread"],
  ["const transport = require('./transport')", "const transport = (...args) => require('./transport')(...args)"],
  ['if (!opts.sync && isMainThread) {', 'if (!opts.sync && isMainThread()) {'],
];
const pinoIndex = [
  ["module.exports.transport = require('./lib/transport')", "module.exports.transport = (...args) => require('./lib/transport')(...args)"],
];
const pinoPatches = [
  [/[\\/]pino[\\/]lib[\\/]tools\.js$/, pinoTools],
  [/[\\/]pino[\\/]pino\.js$/, pinoIndex],
];
export const pinoPlugin = {
  name: 'pino',
  setup(b) {
    for (const [filter, patches] of pinoPatches)
      b.onLoad({ filter }, async ({ path }) => {
        let source = await readFile(path, 'utf8');
        for (const [from, to] of patches) {
          if (!source.includes(from)) return { warnings: [{ text: `${path}: no ${from} any more; update pinoPlugin` }] };
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
  },
};

export const bundlePlugins = [
  pinoPlugin,
  builtinsPlugin,
  undiciCookiesPlugin,
  undiciH2Plugin,
  promClientPlugin,
  promClientOtelPlugin,
  undiciPlugin,
];
