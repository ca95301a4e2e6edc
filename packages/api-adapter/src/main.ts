#!/usr/bin/env node
import { runCli } from '@outrigger/runtime';
import { definition } from './definition.js';

await runCli(definition);
