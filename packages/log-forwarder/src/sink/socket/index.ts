/** The `socket` sink: raw or JSON lines over TCP (optionally TLS), UDP or a Unix socket. */
import { tryParseHostPort } from '@outrigger/runtime';
import { DeliveryDriver, type DeliveryService } from '../../delivery/driver.js';
import { Delivery } from '../../delivery/outcome.js';
import { assertNoIssues, type SinkConfigIssue } from '../../delivery/rules.js';
import { StreamTransport } from '../../delivery/stream-transport.js';
import { SpareBuffer } from '../../spare-buffer.js';
import type { SinkFactory } from '../sink.js';
import { type SocketSinkConfig, SocketSinkSchema } from './config.js';
import { encodeLines, splitLines } from './encoder.js';
import { socketHealthcheck } from './healthcheck.js';
import { decideSocketError } from './retry.js';

export function socketRules(config: SocketSinkConfig): SinkConfigIssue[] {
  const issues: SinkConfigIssue[] = [];
  if (config.protocol === 'unix') {
    if (config.tls) issues.push({ path: 'tls', message: 'TLS is not used over a unix socket; remove it' });
  } else if (!tryParseHostPort(config.address)) {
    issues.push({ path: 'address', message: `must be host:port for protocol ${config.protocol}, got ${JSON.stringify(config.address)}` });
  }
  if (config.protocol === 'udp' && config.tls) issues.push({ path: 'tls', message: 'TLS is only for protocol tcp' });
  return issues;
}

export const socketSink: SinkFactory<SocketSinkConfig> & { rules(config: SocketSinkConfig): SinkConfigIssue[] } = {
  type: 'socket',
  schema: SocketSinkSchema,
  rules: socketRules,
  create(name, config, ctx) {
    assertNoIssues(name, socketRules(config));
    const hostPort = config.protocol === 'unix' ? undefined : tryParseHostPort(config.address);
    const protocol = config.protocol === 'tcp' && config.tls ? 'tls' : config.protocol;
    const transport = new StreamTransport({
      protocol,
      ...(hostPort ? { host: hostPort.host, port: hostPort.port } : { path: ctx.resolvePath(config.address) }),
      tls: config.tls,
      resolvePath: ctx.resolvePath,
      logger: ctx.logger.child({ sink: name }),
    });
    const spare = new SpareBuffer();
    const service: DeliveryService = {
      // Raw lines are sent as the batch's bytes; a batch is never split (its lines are not events).
      splittable: config.encoding === 'json',
      maxConcurrency: 1,
      target: transport.target,
      async send(request, signal) {
        const payload = encodeLines(request, config.encoding, spare);
        try {
          if (transport.datagram) await transport.sendDatagrams(splitLines(payload));
          else {
            await transport.write(payload, signal);
            if (Buffer.isBuffer(payload)) spare.done(payload);
          }
          return { kind: Delivery.OK, bytes: Buffer.isBuffer(payload) ? payload.length : payload.reduce((n, b) => n + b.length, 0) };
        } catch (error) {
          return decideSocketError(error);
        }
      },
      healthcheck: (signal) => socketHealthcheck(transport, signal),
      close: () => transport.close(),
      status: () => (transport.datagram ? {} : { connected: transport.connected }),
    };
    return new DeliveryDriver({ name, type: 'socket', config, ctx, service });
  },
};
