/**
 * The `outrigger` program: every sidecar by name, each imported only when a command or config
 * uses it, so `outrigger log-forwarder ...` loads no proxy code.
 */
import type { PodProgram } from '@outrigger/runtime';

export const program: PodProgram = {
  version: '0.1.0',
  sidecars: {
    'log-forwarder': async () => (await import('@outrigger/log-forwarder')).definition,
    'egress-proxy': async () => (await import('@outrigger/egress-proxy')).definition,
    'api-adapter': async () => (await import('@outrigger/api-adapter')).definition,
  },
};
