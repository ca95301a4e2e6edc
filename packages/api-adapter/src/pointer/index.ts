export { ANY, formatPointer, hasWildcard, PointerError, parsePointer, type Segment, splitScope } from './parse.js';
export {
  assignKey,
  type Box,
  type Container,
  compileWalker,
  getPath,
  isObject,
  MISSING,
  pruneEmpty,
  removeUnder,
  setPath,
  setSlot,
  type Visit,
  type Walker,
  withoutKey,
  withRenamedKey,
} from './walk.js';
