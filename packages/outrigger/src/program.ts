/**
 * The `outrigger` program: every sidecar by name, each imported only when a command or config
 * uses it, so `outrigger log-forwarder ...` loads no proxy code; `outrigger inject` is outrigger-inject.
 */
import type { PodProgram } from '@outrigger/runtime';

export const program: PodProgram = {
  version: '0.1.0',
  sidecars: {
    'log-forwarder': async () => (await import('@outrigger/log-forwarder')).definition,
    'egress-proxy': async () => (await import('@outrigger/egress-proxy')).definition,
    'api-adapter': async () => (await import('@outrigger/api-adapter')).definition,
  },
  commands: {
    // The admission webhook runs from the same image as the sidecars: `outrigger inject serve ...`.
    inject: {
      summary: 'outrigger-inject: add the sidecars to workloads (inject --help; inject serve: the webhook)',
      run: async (argv) => (await import('@outrigger/inject/cli')).runInjectCli(argv),
    },
  },
};
