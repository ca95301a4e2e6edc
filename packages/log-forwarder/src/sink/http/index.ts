/** The `http` sink: NDJSON or JSON-array batches to any HTTP endpoint. */
import { Authorization } from '../../delivery/auth.js';
import { DeliveryDriver } from '../../delivery/driver.js';
import { HttpClient } from '../../delivery/http-client.js';
import { HttpDeliveryService } from '../../delivery/http-service.js';
import type { SinkFactory } from '../sink.js';
import { type HttpSinkConfig, HttpSinkSchema } from './config.js';
import { httpHealthcheck } from './healthcheck.js';
import { buildHttpRequest } from './request.js';
import { decideHttp } from './retry.js';

export const httpSink: SinkFactory<HttpSinkConfig> = {
  type: 'http',
  schema: HttpSinkSchema,
  create(name, config, ctx) {
    const endpoint = new URL(config.endpoint);
    const path = `${endpoint.pathname}${endpoint.search}`;
    const client = HttpClient.forSink(name, config, ctx);
    const service = new HttpDeliveryService({
      client,
      auth: config.auth ? new Authorization(config.auth, ctx.resolvePath) : undefined,
      compress: config.compression === 'gzip',
      build: (request, into) => buildHttpRequest(config, path, request, into),
      decide: decideHttp,
      healthcheck: (c, headers, signal) => httpHealthcheck(c, path, config.healthcheck_path, headers, signal),
    });
    return new DeliveryDriver({ name, type: 'http', config, ctx, service });
  },
};
