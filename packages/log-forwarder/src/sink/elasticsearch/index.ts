/** The `elasticsearch` sink (also OpenSearch): `_bulk` with `create` and deterministic `_id`s. */
import { Authorization } from '../../delivery/auth.js';
import { DeliveryDriver } from '../../delivery/driver.js';
import { HttpClient } from '../../delivery/http-client.js';
import { HttpDeliveryService } from '../../delivery/http-service.js';
import type { SinkFactory } from '../sink.js';
import { type ElasticsearchSinkConfig, ElasticsearchSinkSchema } from './config.js';
import { BulkEncoder } from './encoder.js';
import { elasticsearchHealthcheck } from './healthcheck.js';
import { buildBulkRequest, bulkPath } from './request.js';
import { decideBulk } from './retry.js';

export const elasticsearchSink: SinkFactory<ElasticsearchSinkConfig> = {
  type: 'elasticsearch',
  schema: ElasticsearchSinkSchema,
  create(name, config, ctx) {
    const endpoint = new URL(config.endpoint);
    const path = bulkPath(endpoint, config.pipeline, config.filter_response);
    const encoder = new BulkEncoder(config);
    const client = HttpClient.forSink(name, config, ctx);
    const auth = config.auth
      ? config.auth.type === 'basic'
        ? new Authorization(config.auth, ctx.resolvePath)
        : new Authorization({ type: 'bearer', token_file: config.auth.key_file }, ctx.resolvePath, 'ApiKey')
      : undefined;
    const service = new HttpDeliveryService({
      client,
      auth,
      compress: config.compression === 'gzip',
      build: (request, into) => buildBulkRequest(path, encoder, request, into),
      decide: (response, request) => decideBulk(response, request.count, config.op_type),
      healthcheck: (c, headers, signal) => elasticsearchHealthcheck(c, endpoint.pathname, headers, signal),
    });
    return new DeliveryDriver({ name, type: 'elasticsearch', config, ctx, service });
  },
};
