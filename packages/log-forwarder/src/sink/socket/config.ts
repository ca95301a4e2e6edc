import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const SocketSinkSchema = Type.Object(
  {
    type: Type.Literal('socket', {
      description: 'Write lines to a TCP (optionally TLS), UDP or Unix socket: the plain path into Logstash, Vector, Fluentd.',
    }),
    inputs: inputsSchema(),
    address: Type.String({
      minLength: 1,
      description: 'host:port for tcp and udp; the socket file path for unix.',
    }),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('unix')], {
      default: 'tcp',
      description: 'Transport. udp sends one datagram per line.',
    }),
    encoding: Type.Union([Type.Literal('raw'), Type.Literal('json')], {
      default: 'raw',
      description: 'raw: each line exactly as read; json: each event as one JSON line.',
    }),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type SocketSinkConfig = Static<typeof SocketSinkSchema>;
