/**
 * Acceptance 7: bad remote-sink configs → `log-forwarder check` reports each problem with its path
 * and exits 78. Schema problems (unknown type, missing endpoint) are reported together; the
 * cross-field rules (inputs naming nothing) run on a config that passed the schema.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSidecar } from '@outrigger/runtime/testing';
import t from 'tap';
import { bin, workDir } from './fixtures.js';

async function check(config: Record<string, unknown>) {
  const run = await spawnSidecar({ bin, config, args: ['check', '-c', '{config}'], waitForAdmin: false });
  const exit = await run.exited;
  return { code: exit.code, output: `${run.text()}\n${JSON.stringify(run.logs())}` };
}

t.test('7. check reports an unknown sink type, a missing endpoint, and both unknown inputs', async (t) => {
  const { dir, logs, state } = await workDir(t);
  const sources = { app: { type: 'file', include: [join(logs, '*.log')] } };

  const schema = await check({
    state_dir: state,
    sources,
    sinks: {
      search: { type: 'elasticsaerch', inputs: ['app'], endpoint: 'http://127.0.0.1:9200', index: 'logs' },
      loki: { type: 'loki', inputs: ['app'], labels: { app: 'x' } },
      collector: { type: 'http', inputs: ['app'], endpoint: 'logs.example.com/ingest' },
    },
  });
  t.equal(schema.code, 78);
  t.match(schema.output, /sinks\.search\.type: unknown type "elasticsaerch" \(did you mean "elasticsearch"\?\)/);
  t.match(schema.output, /sinks\.loki\.endpoint: required/);
  t.match(schema.output, /sinks\.collector\.endpoint: must be an http\(s\) URL, got "logs\.example\.com\/ingest"/);

  const inputs = await check({
    state_dir: state,
    sources,
    sinks: { archive: { type: 'syslog', inputs: ['ap', 'metrics'], address: '127.0.0.1:514' } },
  });
  t.equal(inputs.code, 78);
  t.match(inputs.output, /sinks\.archive\.inputs\.0: no source or transform named "ap"/);
  t.match(inputs.output, /sinks\.archive\.inputs\.1: no source or transform named "metrics"/);

  // Files a config names must be readable (the HEC token, a mounted secret); a missing one is named.
  const missing = await check({
    state_dir: state,
    sources,
    sinks: { splunk: { type: 'splunk_hec', inputs: ['app'], endpoint: 'https://splunk:8088', token_file: join(dir, 'hec-token') } },
  });
  t.equal(missing.code, 78);
  t.match(missing.output, `sinks.splunk.token_file: cannot read "${join(dir, 'hec-token')}": no such file (ENOENT)`);
  await writeFile(join(dir, 'hec-token'), 'token\n');

  const good = await check({
    state_dir: state,
    sources,
    sinks: {
      archive: { type: 'syslog', inputs: ['app'], address: 'rsyslog.logging:6514', protocol: 'tls' },
      search: { type: 'elasticsearch', inputs: ['app'], endpoint: 'http://elasticsearch:9200', index: 'logs-app' },
      loki: { type: 'loki', inputs: ['app'], endpoint: 'http://loki:3100', labels: { app: 'checkout', namespace: 'default' } },
      collector: { type: 'http', inputs: ['app'], endpoint: 'https://logs.example.com/ingest', encoding: 'ndjson', compression: 'gzip' },
      lines: { type: 'socket', inputs: ['app'], address: '127.0.0.1:9000', protocol: 'tcp', encoding: 'raw' },
      otel: { type: 'otlp', inputs: ['app'], endpoint: 'http://otel:4318' },
      splunk: { type: 'splunk_hec', inputs: ['app'], endpoint: 'https://splunk:8088', token_file: join(dir, 'hec-token') },
    },
  });
  t.equal(good.code, 0, `the issue's example config passes: ${good.output}`);
});
