export { definition, rules } from './definition.js';
export { type ErrorCode, errorCodes } from './errors.js';
export { EgressProxy } from './proxy.js';
export { type Flag, Flags } from './proxy-error.js';
export { type ClusterConfig, type ProxyConfig, type RouteConfig, schema } from './schema.js';
