/**
 * The `loki` sink. One request in flight at a time, so the entries of a stream reach Loki in the
 * order they were read (Loki rejects out-of-order entries unless unordered writes are enabled).
 */
import { Authorization } from '../../delivery/auth.js';
import { DeliveryDriver } from '../../delivery/driver.js';
import { HttpClient } from '../../delivery/http-client.js';
import { HttpDeliveryService } from '../../delivery/http-service.js';
import { SinkMetrics } from '../../delivery/metrics.js';
import { assertNoIssues, type SinkConfigIssue } from '../../delivery/rules.js';
import { compileTemplate } from '../../delivery/template.js';
import type { SinkFactory } from '../sink.js';
import { HIGH_CARDINALITY_FIELDS, type LokiSinkConfig, LokiSinkSchema } from './config.js';
import { LokiEncoder } from './encoder.js';
import { lokiHealthcheck } from './healthcheck.js';
import { buildLokiRequest } from './request.js';
import { decideLoki } from './retry.js';

export function lokiRules(config: LokiSinkConfig): SinkConfigIssue[] {
  const issues: SinkConfigIssue[] = [];
  for (const [name, value] of Object.entries(config.labels)) {
    for (const field of compileTemplate(value).fields) {
      if (HIGH_CARDINALITY_FIELDS.has(field)) {
        issues.push({
          path: `labels.${name}`,
          message: `"${field}" differs for almost every event: as a label it makes a stream per line; use structured_metadata instead`,
        });
      }
    }
  }
  return issues;
}

export const lokiSink: SinkFactory<LokiSinkConfig> & { rules(config: LokiSinkConfig): SinkConfigIssue[] } = {
  type: 'loki',
  schema: LokiSinkSchema,
  rules: lokiRules,
  create(name, config, ctx) {
    assertNoIssues(name, lokiRules(config));
    const metrics = new SinkMetrics(ctx, name);
    const warned = new Set<string>();
    const encoder = new LokiEncoder(config, (label) => {
      metrics.labelCardinality.inc({ sink: name, label });
      if (warned.has(label)) return;
      warned.add(label);
      ctx.logger.warn(
        { code: 'OUTRIGGER_E_LF_LABEL_CARDINALITY', sink: name, label, max_label_values: config.max_label_values },
        'label exceeded max_label_values; new values are sent as "__overflow__"',
      );
    });
    const endpoint = new URL(config.endpoint);
    const path = `${endpoint.pathname.replace(/\/+$/, '')}${config.path}`;
    const client = HttpClient.forSink(name, config, ctx, 1);
    const service = new HttpDeliveryService({
      client,
      auth: config.auth ? new Authorization(config.auth, ctx.resolvePath) : undefined,
      compress: config.compression === 'gzip',
      maxConcurrency: 1,
      build: (request, into) => buildLokiRequest(config, path, encoder, request, into),
      decide: decideLoki,
      healthcheck: lokiHealthcheck,
    });
    return new DeliveryDriver({ name, type: 'loki', config, ctx, service });
  },
};
