import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DeadLetterFile } from '../../src/delivery/dead-letter.js';
import { PartsRequest, SubsetRequest, splitBatch, wholePart } from '../../src/delivery/request.js';
import { SecretFile } from '../../src/delivery/secret.js';
import { compileTemplate } from '../../src/delivery/template.js';
import { describeTlsError, tlsOptions } from '../../src/delivery/tls.js';
import { makeBatch, makeContext } from './fixtures/batches.js';

t.test('templates: constants, fields, nested fields, fallbacks', async (t) => {
  const event = { message: 'm', timestamp: 't', file: 'f', level: 'warn', k8s: { pod: 'p-1' }, n: 3, obj: { a: 1 } };
  t.same(compileTemplate('static').render(event), 'static');
  t.ok(compileTemplate('static').constant);
  const tpl = compileTemplate('{{ level }}-{{k8s.pod}}/{{ n }}/{{ missing }}/{{ obj }}', '?');
  t.same(tpl.fields, ['level', 'k8s.pod', 'n', 'missing', 'obj']);
  t.equal(tpl.render(event), 'warn-p-1/3/?/{"a":1}');
});

t.test('TLS errors are explained; files are read and a missing one names its key', async (t) => {
  const wrapped = Object.assign(new Error('fetch failed'), {
    cause: Object.assign(new Error('unable to verify'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
  });
  t.equal(
    describeTlsError(wrapped, 'https://es:9200/'),
    "TLS verification failed for https://es:9200/: certificate signed by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set tls.ca_file to the CA that signed the server's certificate",
  );
  t.match(describeTlsError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'x'), /does not match the server name.*tls\.server_name/);
  t.match(describeTlsError({ code: 'CERT_HAS_EXPIRED' }, 'x'), /expired.*renew/);
  t.equal(describeTlsError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x'), undefined);
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  writeFileSync(join(ctx.dir, 'ca.pem'), 'PEM');
  const opts = tlsOptions({ ca_file: 'ca.pem', verify: true, server_name: 'logs.internal' }, ctx.resolvePath, '10.0.0.1');
  t.equal(String(opts.ca), 'PEM');
  t.equal(opts.servername, 'logs.internal');
  t.equal(opts.rejectUnauthorized, true);
  t.equal(tlsOptions(undefined, ctx.resolvePath, '127.0.0.1').servername, undefined, 'no SNI for an IP');
  t.throws(() => tlsOptions({ cert_file: 'nope.pem', verify: true }, ctx.resolvePath, 'h'), /tls\.cert_file: cannot read nope\.pem/);
});

t.test('secret files: re-read when changed, kept when briefly unreadable, clear error when missing', async (t) => {
  const ctx = await makeContext();
  t.teardown(() => ctx.cleanup());
  const path = join(ctx.dir, 'token');
  const secret = new SecretFile(path, 0);
  t.throws(() => secret.value(), /cannot read secret file .*token: ENOENT/);
  writeFileSync(path, 'one\n');
  t.equal(secret.value(), 'one');
  writeFileSync(path, 'two-longer\n');
  t.equal(secret.value(), 'two-longer');
  const cached = new SecretFile(path, 60_000);
  t.equal(cached.value(1000), 'two-longer');
  writeFileSync(path, 'three\n');
  t.equal(cached.value(2000), 'two-longer', 'not re-checked within the interval');
  cached.invalidate();
  t.equal(cached.value(3000), 'three', 'invalidate() re-reads at once');
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
  const file = new DeadLetterFile({ path: join(ctx.dir, 'dl', 'x.jsonl'), maxBytes: 1 << 20, sink: 'x', logger: ctx.logger });
  const e = (m: string) => ({ id: m, event: { message: m, timestamp: 't', file: 'f' }, reason: 'r' });
  await Promise.all([file.append([e('1'), e('2')]), file.append([e('3')])]);
  const { readFileSync } = await import('node:fs');
  const ids = readFileSync(file.path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id);
  t.same(ids, ['1', '2', '3']);
});
