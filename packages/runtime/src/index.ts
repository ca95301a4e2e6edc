export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { Type } from '@sinclair/typebox';
export { type BackoffOptions, backoffDelay, delay } from './backoff.js';
export { cli, type PodProgram, podCli, podUsage, runCli, runPodCli, usage } from './cli.js';
export { closest, didYouMean } from './config/did-you-mean.js';
export { interpolate, interpolateString } from './config/interpolate.js';
export { configSchema, deepFreeze, formatIssues, loadConfig, parseConfigText, resolveConfig } from './config/load.js';
export { unsupportedKeywords } from './config/validate.js';
export { errorCodes, exitCodes, OutriggerError } from './errors.js';
export { connectionTokens, hopByHopHeaders, isHopByHop, rawConnectionTokens, removeHopByHop } from './hop-by-hop.js';
export { formatHostPort, type HostPort, parseHostPort, tryParseHostPort } from './host-port.js';
export { jsonSchema } from './json-schema.js';
export { metricPrefix } from './metrics.js';
export { podPorts, sectionKey } from './pod.js';
export { censor, isSecretKey, redactSecrets, redactUrl } from './redact.js';
export { parseRetryAfter, type RetryAfterOptions } from './retry-after.js';
export { type RuntimeConfig, runtimeKeys } from './runtime-config.js';
export { SecretFile, type SecretFileEvent, type SecretFileOptions } from './secret-file.js';
export type {
  CommandContext,
  CommandDefinition,
  ConfigDefinition,
  ConfigIssue,
  Readiness,
  RuleContext,
  SidecarConfig,
  SidecarContext,
  SidecarDefinition,
  SidecarInstance,
} from './sidecar.js';
export { describeTlsError, type TlsConfig, TlsFiles, type TlsFilesOptions, TlsSchema, tlsConfigIssues } from './tls.js';
export { WatchedFiles, type WatchedFilesOptions } from './watched-files.js';
