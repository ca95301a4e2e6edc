export { Chain, Plan, type Rejection, runBody, runResponseBody, runResponseBodySync, type Step } from './chain.js';
export { type CompiledChange, compileChange, type Direction } from './change.js';
export { compileEndpoint, compileEndpoints, type EndpointMatcher } from './endpoint.js';
export {
  checkPrefixTemplate,
  compileNegotiator,
  type Negotiated,
  type NegotiationOptions,
  type Negotiator,
  prefixFor,
} from './negotiate.js';
export { compilePathPattern, type PathPattern, splitPath } from './path-pattern.js';
