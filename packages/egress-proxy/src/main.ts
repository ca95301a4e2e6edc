#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runCli } from '@outrigger/runtime';
import { definition } from './definition.js';

// Per-request objects live for milliseconds; V8's allocation-site pretenuring misjudges them
// under load and moves them straight to the old generation (measured: 1.5 MB promoted per
// scavenge, repeated full GCs, +60 MB RSS). Off, scavenges stay sub-millisecond.
setFlagsFromString('--no-allocation-site-pretenuring');
await runCli(definition);
