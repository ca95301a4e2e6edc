/** The `splunk_hec` sink: Splunk HTTP Event Collector, event endpoint. */
import { Authorization } from '../../delivery/auth.js';
import { DeliveryDriver } from '../../delivery/driver.js';
import { HttpClient } from '../../delivery/http-client.js';
import { HttpDeliveryService } from '../../delivery/http-service.js';
import type { SinkFactory } from '../sink.js';
import { type SplunkHecSinkConfig, SplunkHecSinkSchema } from './config.js';
import { HecEncoder } from './encoder.js';
import { hecHealthcheck } from './healthcheck.js';
import { buildHecRequest } from './request.js';
import { decideHec } from './retry.js';

export const splunkHecSink: SinkFactory<SplunkHecSinkConfig> = {
  type: 'splunk_hec',
  schema: SplunkHecSinkSchema,
  create(name, config, ctx) {
    const endpoint = new URL(config.endpoint);
    const base = endpoint.pathname.replace(/\/+$/, '');
    const encoder = new HecEncoder(config);
    const client = HttpClient.forSink(name, config, ctx);
    const service = new HttpDeliveryService({
      client,
      auth: new Authorization({ type: 'bearer', token_file: config.token_file }, ctx.resolvePath, 'Splunk'),
      compress: config.compression === 'gzip',
      build: (request) => buildHecRequest(`${base}/services/collector/event`, encoder, request),
      decide: decideHec,
      healthcheck: (c, headers, signal) => hecHealthcheck(c, base, headers, signal),
    });
    return new DeliveryDriver({ name, type: 'splunk_hec', config, ctx, service });
  },
};
