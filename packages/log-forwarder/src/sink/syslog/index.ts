/** The `syslog` sink: RFC 5424 over TCP (octet counting), TLS or UDP. */
import { parseHostPort } from '@outrigger/runtime';
import { DeliveryDriver, type DeliveryService } from '../../delivery/driver.js';
import { Delivery } from '../../delivery/outcome.js';
import { StreamTransport } from '../../delivery/stream-transport.js';
import { SpareBuffer } from '../../spare-buffer.js';
import type { SinkFactory } from '../sink.js';
import { type SyslogSinkConfig, SyslogSinkSchema } from './config.js';
import { SyslogEncoder } from './encoder.js';
import { syslogHealthcheck } from './healthcheck.js';
import { decideSyslogError } from './retry.js';

export const syslogSink: SinkFactory<SyslogSinkConfig> = {
  type: 'syslog',
  schema: SyslogSinkSchema,
  create(name, config, ctx) {
    const { host, port } = parseHostPort(config.address);
    const transport = new StreamTransport({
      protocol: config.protocol,
      host,
      port,
      tls: config.tls,
      resolvePath: ctx.resolvePath,
      logger: ctx.logger.child({ sink: name }),
    });
    const encoder = new SyslogEncoder(config);
    const spare = new SpareBuffer();
    const service: DeliveryService = {
      splittable: true,
      // One connection: messages of consecutive requests must not interleave.
      maxConcurrency: 1,
      target: transport.target,
      async send(request, signal) {
        try {
          if (transport.datagram) {
            const messages = request.events().map((e) => encoder.message(e));
            await transport.sendDatagrams(messages);
            return { kind: Delivery.OK, bytes: messages.reduce((n, m) => n + m.length, 0) };
          }
          const frames = encoder.framesOf(request, spare);
          await transport.write(frames, signal);
          spare.done(frames);
          return { kind: Delivery.OK, bytes: frames.length };
        } catch (error) {
          return decideSyslogError(error);
        }
      },
      healthcheck: (signal) => syslogHealthcheck(transport, signal),
      close: () => transport.close(),
      status: () => (transport.datagram ? {} : { connected: transport.connected }),
    };
    return new DeliveryDriver({ name, type: 'syslog', config, ctx, service });
  },
};
