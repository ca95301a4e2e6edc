/**
 * Defect 7 (issue 11): a multiline rule the parser's output can never match (json + a
 * start_pattern for the raw line) folds every event into the one before it; `check` warns, and
 * still says OK.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '@outrigger/runtime';
import t from 'tap';
import { definition } from '../src/definition.js';
import { rules } from '../src/rules.js';
import { makeConfig } from './fixtures/harness.js';

const source = (parser: Record<string, unknown>, multiline: Record<string, unknown>) =>
  makeConfig({
    sources: { app: { type: 'file', include: ['/var/log/app/*.log'], parser, multiline } },
    sinks: { out: { type: 'stdout', inputs: ['app'] } },
  });

t.test('json or logfmt with multiline: a warning naming the rule', async (t) => {
  for (const type of ['json', 'logfmt']) {
    const issues = rules(source({ type }, { start_pattern: '^\\d{4}-\\d{2}-\\d{2}' }));
    t.equal(issues.length, 1, type);
    t.match(issues[0], { path: 'sources.app.multiline.start_pattern', severity: 'warning', message: new RegExp(`parser ${type}`) });
  }
  t.match(rules(source({ type: 'regex', pattern: '^(?<time>\\S+) (?<message>.*)$' }, { preset: 'java' }))[0], { severity: 'warning' });
});

t.test('raw, cri, docker with multiline: no warning', async (t) => {
  for (const type of ['raw', 'cri', 'docker']) t.same(rules(source({ type }, { start_pattern: '^\\d' })), [], type);
});

t.test('`check` prints the warning and OK, exit 0', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lf-check-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'forwarder.yaml');
  await writeFile(
    file,
    'sources:\n  app:\n    type: file\n    include: ["/var/log/app/*.log"]\n    parser: { type: json }\n    multiline: { start_pattern: \'^\\d{4}-\' }\nsinks:\n  out: { type: stdout, inputs: [app] }\n',
  );
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    ({
      write(s: string) {
        append(s);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await cli(definition, ['check', '-c', file], {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    env: {},
  });
  t.equal(code, 0, err);
  t.match(err, /^warning: sources\.app\.multiline\.start_pattern: parser json makes one event per line/m);
  t.equal(out, 'OK\n');
});
