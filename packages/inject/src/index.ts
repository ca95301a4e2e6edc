export { INJECT_ANNOTATION, INJECTED_ANNOTATION, type InjectOptions, type InjectResult, injectText, type Skip } from './inject.js';
export { lintPodSpec } from './lint.js';
export { type SidecarName, sidecarNames, VERSION } from './sidecars.js';
export { validateObject } from './validate.js';
