#!/usr/bin/env node
// outrigger-inject: a file in git (not in dist/), so pnpm links the bin on a clean clone before the build.
import { runInjectCli } from './dist/src/cli.js';

process.exitCode = await runInjectCli(process.argv.slice(2));
