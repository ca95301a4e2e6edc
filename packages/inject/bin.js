#!/usr/bin/env node
// outrigger-inject: a file in git (not in dist/), so pnpm links the bin on a clean clone before the build.
import './dist/src/cli.js';
