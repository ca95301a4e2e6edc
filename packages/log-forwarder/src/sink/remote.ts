/**
 * The remote sinks and their delivery machinery (issue 6); `sink/index.ts` spreads this list into
 * the registry. Each factory may also carry `rules(config)`: cross-field checks whose paths are
 * relative to the sink's block.
 */
import type { SinkConfigIssue } from '../delivery/rules.js';
import { elasticsearchSink } from './elasticsearch/index.js';
import { httpSink } from './http/index.js';
import { lokiSink } from './loki/index.js';
import { otlpSink } from './otlp/index.js';
import type { SinkFactory } from './sink.js';
import { socketSink } from './socket/index.js';
import { splunkHecSink } from './splunk_hec/index.js';
import { syslogSink } from './syslog/index.js';

export type RemoteSinkFactory = SinkFactory & { rules?(config: unknown): SinkConfigIssue[] };

export const remoteSinks: RemoteSinkFactory[] = [httpSink, lokiSink, elasticsearchSink, syslogSink, otlpSink, socketSink, splunkHecSink];
