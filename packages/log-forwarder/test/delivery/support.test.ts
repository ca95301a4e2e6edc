import { join } from 'node:path';
import t from 'tap';
import { DeadLetterFile } from '../../src/delivery/dead-letter.js';
import { PartsRequest, SubsetRequest, splitBatch, wholePart } from '../../src/delivery/request.js';
import { compileTemplate } from '../../src/delivery/template.js';
import { makeBatch, makeContext } from './fixtures/batches.js';

t.test('templates: constants, fields, nested fields, fallbacks', async (t) => {
  const event = { message: 'm', timestamp: 't', file: 'f', level: 'warn', k8s: { pod: 'p-1' }, n: 3, obj: { a: 1 } };
  t.same(compileTemplate('static').render(event), 'static');
  t.ok(compileTemplate('static').constant);
  const tpl = compileTemplate('{{ level }}-{{k8s.pod}}/{{ n }}/{{ missing }}/{{ obj }}', '?');
  t.same(tpl.fields, ['level', 'k8s.pod', 'n', 'missing', 'obj']);
  t.equal(tpl.render(event), 'warn-p-1/3/?/{"a":1}');
});

t.test('requests: split, slices, subsets, raw of whole batches only', async (t) => {
  const b = makeBatch(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
  const parts = splitBatch(b, 2, 1 << 20);
  t.same(
    parts.map((p) => [p.from, p.to]),
    [
      [0, 2],
      [2, 4],
      [4, 5],
    ],
  );
  const req = new PartsRequest(parts.slice(1));
  t.same(
    req.events().map((e) => e.message),
    ['ccc', 'dddd', 'eeeee'],
  );
  t.same(req.ids(), b.ids().slice(2));
  t.throws(() => req.raw(), /slice/);
  t.equal(new PartsRequest([wholePart(b), wholePart(makeBatch(['z']))]).raw().toString(), 'a\nbb\nccc\ndddd\neeeee\nz\n');
  const sub = new SubsetRequest(new PartsRequest([wholePart(b)]), [4, 0]);
  t.same(
    sub.events().map((e) => e.message),
    ['eeeee', 'a'],
  );
  t.same(sub.ids(), [b.ids()[4], b.ids()[0]]);
});

t.test('dead-letter entries are appended in order across calls', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const file = new DeadLetterFile({ path: join(ctx.dir, 'dl', 'x.jsonl'), maxBytes: 1 << 20, sink: 'x' });
  const e = (m: string) => ({ id: m, event: { message: m, timestamp: 't', file: 'f' }, reason: 'r' });
  await Promise.all([file.append([e('1'), e('2')]), file.append([e('3')])]);
  const { readFileSync } = await import('node:fs');
  const ids = readFileSync(file.path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id);
  t.same(ids, ['1', '2', '3']);
});
