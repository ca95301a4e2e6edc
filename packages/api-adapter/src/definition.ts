/** The api-adapter sidecar as the runtime sees it. */
import { dirname, resolve } from 'node:path';
import { type ConfigIssue, type SidecarDefinition, tlsConfigIssues } from '@outrigger/runtime';
import { buildAdapter, compileOrThrow } from './adapter.js';
import { changelogCommand } from './command/changelog.js';
import { testCommand } from './command/test.js';
import { type AdapterConfig, schema } from './config.js';
import { Engine } from './engine.js';
import { listenIssues, listenWarnings } from './listen.js';

function serverIssues(config: AdapterConfig): ConfigIssue[] {
  const s = config.server;
  return s.request_timeout_ms < s.headers_timeout_ms
    ? [{ path: 'server.request_timeout_ms', message: `must be at least server.headers_timeout_ms (${s.headers_timeout_ms})` }]
    : [];
}

const fromConfigFile = (configPath: string) => (p: string) => resolve(dirname(configPath), p);

export const definition: SidecarDefinition<typeof schema> = {
  name: 'api-adapter',
  version: '0.1.0',
  description: 'Bridges API versions with a declarative chain of changes (Stripe-style version changes, as a sidecar)',
  schema,
  defaultAdminPort: 9813,
  defaultProbePort: 9823,
  // Compiling the chain reads script files (no sockets), so `check` reports a missing one.
  rules: (config, ctx) => [
    ...Engine.compile(config as AdapterConfig, ctx.resolvePath).issues,
    ...tlsConfigIssues(config.upstream.tls, 'upstream.tls'),
    ...listenIssues(config as AdapterConfig),
    ...serverIssues(config as AdapterConfig),
    ...listenWarnings(config as AdapterConfig),
  ],
  build: (config, ctx) => buildAdapter(config as AdapterConfig, ctx),
  commands: {
    test: testCommand((config, configPath) => compileOrThrow(config, fromConfigFile(configPath))),
    changelog: changelogCommand((config, configPath) => compileOrThrow(config, fromConfigFile(configPath)).chain),
  },
};
