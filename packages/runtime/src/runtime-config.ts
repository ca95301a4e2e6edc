/**
 * The config keys every sidecar has (`admin`, `probes`, `log`, `shutdown`, `config_watch`); the
 * runtime owns them.
 */
import { type Static, Type } from '@sinclair/typebox';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface DefaultPorts {
  admin: number;
  probes: number;
}

export function runtimeSchema(ports: DefaultPorts) {
  return {
    admin: Type.Object(
      {
        listen: Type.String({
          format: 'host-port',
          default: `127.0.0.1:${ports.admin}`,
          description:
            'Address of the admin server (/status, /healthz, /readyz, /metrics): it reveals state, so loopback unless you say otherwise.',
        }),
        enabled: Type.Boolean({ default: true, description: 'Serve the admin endpoints at all.' }),
      },
      { additionalProperties: false, default: {}, description: 'The admin server.' },
    ),
    probes: Type.Object(
      {
        listen: Type.String({
          format: 'listen-or-off',
          default: `0.0.0.0:${ports.probes}`,
          description:
            'Address of the probe listener (/healthz, /readyz, /metrics only), on all addresses so the kubelet and Prometheus reach it on the pod IP; "" turns it off.',
        }),
        max_event_loop_delay_ms: Type.Integer({
          minimum: 0,
          default: 5000,
          description:
            '/healthz fails for 10 s after the event loop was blocked longer than this (the process is wedged); 0 turns the check off.',
        }),
      },
      { additionalProperties: false, default: {}, description: 'The probe listener for the kubelet and Prometheus.' },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          logLevels.map((l) => Type.Literal(l)),
          { default: 'info', description: 'Log level; the LOG_LEVEL environment variable overrides it.' },
        ),
      },
      { additionalProperties: false, default: {}, description: 'Logging (JSON lines on stdout).' },
    ),
    shutdown: Type.Object(
      {
        drain_timeout_ms: Type.Integer({
          minimum: 0,
          default: 20000,
          description:
            "On SIGTERM, how long in-flight work may take before it is abandoned. Keep it below the pod's terminationGracePeriodSeconds (30 s by default).",
        }),
      },
      { additionalProperties: false, default: {}, description: 'Graceful shutdown.' },
    ),
    config_watch: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            "Reload when the config file (or a file it names) changes, as SIGHUP does; sees the kubelet's atomic ..data swap of a ConfigMap volume.",
        }),
        debounce_ms: Type.Integer({
          minimum: 0,
          default: 1000,
          description: 'Wait this long after the last change before reloading (editors and the kubelet write in several steps).',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Reloading on config changes without a signal.' },
    ),
  };
}

const exampleSchema = Type.Object(runtimeSchema({ admin: 0, probes: 0 }));
export type RuntimeConfig = Static<typeof exampleSchema>;

/** The keys the runtime owns in every config (a sidecar's schema must not use them). */
export const runtimeKeys = Object.keys(exampleSchema.properties) as readonly (keyof RuntimeConfig)[];
