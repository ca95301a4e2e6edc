/** The config keys every sidecar has (`admin`, `log`, `shutdown`); the runtime owns them. */
import { type Static, Type } from '@sinclair/typebox';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function runtimeSchema(defaultAdminPort: number) {
  return {
    admin: Type.Object(
      {
        listen: Type.String({
          format: 'host-port',
          default: `127.0.0.1:${defaultAdminPort}`,
          description: 'Address of the admin server (/healthz, /readyz, /metrics, /status). Loopback unless you say otherwise.',
        }),
        enabled: Type.Boolean({ default: true, description: 'Serve the admin endpoints at all.' }),
      },
      { additionalProperties: false, default: {}, description: 'The admin server.' },
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
  };
}

const exampleSchema = Type.Object(runtimeSchema(0));
export type RuntimeConfig = Static<typeof exampleSchema>;
