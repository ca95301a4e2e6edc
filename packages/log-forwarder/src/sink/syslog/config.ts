import { TlsSchema } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';
import { deliveryProperties, inputsSchema } from '../../delivery/config.js';

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export const SyslogSinkSchema = Type.Object(
  {
    type: Type.Literal('syslog', { description: 'Send events as RFC 5424 syslog messages.' }),
    inputs: inputsSchema(),
    address: Type.String({ format: 'host-port', description: 'host:port of the syslog receiver (e.g. rsyslog.logging:6514).' }),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('udp')], {
      default: 'tcp',
      description:
        'tcp and tls use octet-counting framing (RFC 6587, RFC 5425): multiline events stay one message; udp sends one datagram per message (RFC 5426).',
    }),
    facility: Type.Union(
      FACILITIES.map((f) => Type.Literal(f)),
      { default: 'user', description: 'Facility when the event has no facility_field.' },
    ),
    facility_field: Type.Optional(Type.String({ minLength: 1, description: 'Event field holding the facility (name or number).' })),
    severity: Type.Union(
      SEVERITIES.map((s) => Type.Literal(s)),
      { default: 'info', description: 'Severity when the event has no severity_field (or an unknown value there).' },
    ),
    severity_field: Type.String({
      default: 'level',
      description: 'Event field holding the severity: a syslog name, a number 0-7, or a log level (error, warn, debug, trace, fatal...).',
    }),
    app_name: Type.String({ default: 'outrigger', description: 'APP-NAME (a template: `{{ field }}`); at most 48 printable characters.' }),
    hostname: Type.Optional(
      Type.String({ minLength: 1, description: 'HOSTNAME (a template); default: this host’s name (the pod name in Kubernetes).' }),
    ),
    proc_id: Type.String({ default: '-', description: 'PROCID (a template); "-" for none.' }),
    msg_id: Type.String({ default: '-', description: 'MSGID (a template); "-" for none.' }),
    encoding: Type.Union([Type.Literal('text'), Type.Literal('json')], {
      default: 'text',
      description: 'MSG: the event message (text) or the whole event as JSON (json).',
    }),
    max_message_bytes: Type.Integer({
      minimum: 480,
      default: 65_000,
      description: 'Longer messages are truncated (and end with "…"); receivers have limits too (rsyslog: $MaxMessageSize).',
    }),
    tls: Type.Optional(TlsSchema),
    ...deliveryProperties,
  },
  { additionalProperties: false },
);

export type SyslogSinkConfig = Static<typeof SyslogSinkSchema>;
