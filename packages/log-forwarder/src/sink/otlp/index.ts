/** The `otlp` sink: OTLP/HTTP JSON logs to an OpenTelemetry collector or backend. */
import { Authorization } from '../../delivery/auth.js';
import { DeliveryDriver } from '../../delivery/driver.js';
import { HttpClient } from '../../delivery/http-client.js';
import { HttpDeliveryService } from '../../delivery/http-service.js';
import type { SinkFactory } from '../sink.js';
import { type OtlpSinkConfig, OtlpSinkSchema } from './config.js';
import { otlpHealthcheck } from './healthcheck.js';
import { buildOtlpRequest } from './request.js';
import { decideOtlp } from './retry.js';

export const otlpSink: SinkFactory<OtlpSinkConfig> = {
  type: 'otlp',
  schema: OtlpSinkSchema,
  create(name, config, ctx) {
    const endpoint = new URL(config.endpoint);
    const path = `${endpoint.pathname.replace(/\/+$/, '')}${config.path}`;
    const client = HttpClient.forSink(name, config, ctx);
    const service = new HttpDeliveryService({
      client,
      auth: config.auth ? new Authorization(config.auth, ctx.resolvePath) : undefined,
      compress: config.compression === 'gzip',
      build: (request, into) => buildOtlpRequest(config, path, request, into),
      decide: (response, request) => decideOtlp(response, request.count),
      healthcheck: (c, headers, signal) => otlpHealthcheck(c, path, headers, signal),
    });
    return new DeliveryDriver({ name, type: 'otlp', config, ctx, service });
  },
};
