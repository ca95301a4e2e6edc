export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { Type } from '@sinclair/typebox';
export { cli, runCli, usage } from './cli.js';
export { closest, didYouMean } from './config/did-you-mean.js';
export { interpolate, interpolateString } from './config/interpolate.js';
export { configSchema, deepFreeze, formatIssues, loadConfig, parseConfigText, resolveConfig } from './config/load.js';
export { unsupportedKeywords } from './config/validate.js';
export { errorCodes, exitCodes, OutriggerError } from './errors.js';
export { formatHostPort, type HostPort, parseHostPort, tryParseHostPort } from './host-port.js';
export { jsonSchema } from './json-schema.js';
export { metricPrefix } from './metrics.js';
export { censor, isSecretKey, redactSecrets, redactUrl } from './redact.js';
export type { RuntimeConfig } from './runtime-config.js';
export type {
  CommandContext,
  CommandDefinition,
  ConfigIssue,
  Readiness,
  RuleContext,
  SidecarConfig,
  SidecarContext,
  SidecarDefinition,
  SidecarInstance,
} from './sidecar.js';
