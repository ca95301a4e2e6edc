import t from 'tap';
import type { LogEvent } from '../../src/sink/sink.js';
import { transformFactory } from '../../src/transform/index.js';

const ev = (extra: Record<string, unknown> = {}): LogEvent => ({
  message: 'user alice password=hunter2 card 4111-1111-1111-1111',
  timestamp: 't',
  file: 'f',
  ...extra,
});
const make = (cfg: Record<string, unknown> & { type: string }) => {
  const f = transformFactory(cfg.type);
  if (!f) throw new Error(cfg.type);
  return f.create(cfg);
};

t.test('add_fields (dotted paths), without changing the input event', async (t) => {
  const fn = make({ type: 'add_fields', fields: { pod: 'web-1', 'k8s.ns': 'prod' }, overwrite: true });
  const input = ev({ k8s: { node: 'n1' } });
  const out = fn(input);
  t.same(out, { ...input, pod: 'web-1', k8s: { node: 'n1', ns: 'prod' } });
  t.same(input.k8s, { node: 'n1' }, 'input untouched');
  const keep = make({ type: 'add_fields', fields: { pod: 'x' }, overwrite: false });
  t.equal(keep(ev({ pod: 'orig' }))?.pod, 'orig');
});

t.test('rename and remove', async (t) => {
  t.same(make({ type: 'rename', fields: { lvl: 'level', 'a.b': 'c' } })(ev({ lvl: 'info', a: { b: 1, d: 2 } })), {
    ...ev(),
    a: { d: 2 },
    level: 'info',
    c: 1,
  });
  const r = make({ type: 'remove', fields: ['secret', 'message', 'x.y'] })(ev({ secret: 's', x: { y: 1, z: 2 } }));
  t.same(r, { ...ev(), x: { z: 2 } }, 'message is kept');
});

t.test('filter keep / drop by field regex', async (t) => {
  const keep = make({ type: 'filter', field: 'level', pattern: '^(warn|error)$', action: 'keep' });
  t.ok(keep(ev({ level: 'error' })));
  t.equal(keep(ev({ level: 'info' })), null);
  t.equal(keep(ev()), null, 'missing field is ""');
  const drop = make({ type: 'filter', field: 'message', pattern: 'healthz', action: 'drop' });
  t.equal(drop(ev({ message: 'GET /healthz' })), null);
  t.ok(drop(ev()));
});

t.test('redact masks every match', async (t) => {
  const fn = make({
    type: 'redact',
    fields: ['message', 'token'],
    patterns: ['password=\\S+', '\\d{4}-\\d{4}-\\d{4}-\\d{4}'],
    replacement: '***',
  });
  const out = fn(ev({ token: 'password=abc' }));
  t.equal(out?.message, 'user alice *** card ***');
  t.equal(out?.token, '***');
  const same = ev({ message: 'nothing secret' });
  t.equal(fn(same), same, 'unchanged event is passed through as is');
});
