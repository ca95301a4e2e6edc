export { buildAdapter } from './adapter.js';
export { changelog } from './command/changelog.js';
export { type GoldenCase, loadCases, runCase } from './command/test.js';
export { type AdapterConfig, schema } from './config.js';
export { definition } from './definition.js';
export { Engine, Exchange } from './engine.js';
export { AdapterError, type ErrorCode, errorCodes } from './errors.js';
export { Chain, Plan } from './version/index.js';
