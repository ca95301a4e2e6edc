#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runPodCli } from '@outrigger/runtime';
import { program } from './program.js';

// As in the egress-proxy's own main: short-lived per-request objects must not be pretenured.
setFlagsFromString('--no-allocation-site-pretenuring');
await runPodCli(program);
