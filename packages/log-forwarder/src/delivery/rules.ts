/**
 * Cross-field checks of a sink block that a schema cannot express (`socket` with protocol unix
 * needs a path, not host:port). Paths are relative to the sink's block (`address`), so the
 * forwarder can prefix them with `sinks.<name>.`. `create` runs the same checks and throws.
 */
import { OutriggerError } from '@outrigger/runtime';

export interface SinkConfigIssue {
  path: string;
  message: string;
}

/** Throws one config error listing every issue (for `create`, when `check` was bypassed). */
export function assertNoIssues(sink: string, issues: readonly SinkConfigIssue[]): void {
  if (issues.length === 0) return;
  const lines = issues.map((i) => `sinks.${sink}.${i.path}: ${i.message}`);
  throw new OutriggerError('OUTRIGGER_E_CONFIG', lines.join('; '));
}
