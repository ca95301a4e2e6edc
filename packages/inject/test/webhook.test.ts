// The webhook (acceptance 4 of issue 10): an AdmissionReview for a Deployment → a JSONPatch that,
// applied, equals what the CLI writes for the same object; a rotated TLS certificate is served
// without a restart. Real TLS, real certificates (openssl), the real `outrigger-inject serve`.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { parse } from 'yaml';
import { diff, type PatchOp } from '../src/webhook.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../bin.js');
// The image runs the webhook as `outrigger inject serve` (the `outrigger` bundle it ships).
const programs: Record<string, string[]> = {
  'outrigger-inject': [cli],
  'outrigger inject (the bundle in the image)': [join(here, '../../../outrigger/dist/bundle/outrigger.mjs'), 'inject'],
};
const fixture = join(here, '../../test/fixtures/workloads/apps.yaml');

function certificate(dir: string, cn: string) {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, `${cn}.key`),
      '-out',
      join(dir, `${cn}.crt`),
    ],
    { stdio: 'ignore' },
  );
}

function servedCN(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(String(s.getPeerCertificate().subject.CN));
      s.end();
    });
    s.on('error', reject);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON in and out
type Json = any;

/** Applies a patch made of add/replace/remove on objects (what diff() produces). */
function apply(doc: Json, ops: PatchOp[]): Json {
  const out = structuredClone(doc);
  for (const op of ops) {
    const keys = op.path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop() as string;
    const parent = keys.reduce((o, k) => o[k], out);
    if (op.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(op.value);
  }
  return out;
}

t.test('diff: a patch that takes one object to the other', async (t) => {
  const a = { x: 1, y: { z: [1], 'a/b': 2 }, gone: true };
  const b = { x: 2, y: { z: [1, 2], 'a/b': 2, n: null }, added: 'v' };
  t.same(apply(a, diff(a, b)), b);
});

for (const [name, program] of Object.entries(programs)) {
  t.test(`${name} serve: AdmissionReview → patch equal to the CLI output; cert rotation without restart`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'inject-webhook-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    certificate(dir, 'first');
    certificate(dir, 'second');
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    await writeFile(cert, await readFile(join(dir, 'first.crt')));
    await writeFile(key, await readFile(join(dir, 'first.key')));

    const child = spawn(process.execPath, [...program, 'serve', '--cert', cert, '--key', key, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const port = Number(
      (await waitFor(() => /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out), { timeoutMs: 20_000, what: 'the webhook' }))[1],
    );

    const deployment = parse((await readFile(fixture, 'utf8')).split('\n---\n')[0] as string);
    // As the API server calls it: POST over TLS, trusting the webhook's CA (here, its own cert).
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u-1', object: deployment },
    });
    const ca = await readFile(cert);
    const reviewed = (await new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve(JSON.parse(text)));
        },
      );
      req.on('error', reject);
      req.end(body);
    })) as Json;
    t.equal(reviewed.response.uid, 'u-1');
    t.equal(reviewed.response.allowed, true);
    t.equal(reviewed.response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(reviewed.response.patch, 'base64').toString()) as PatchOp[];
    const cliOut = await new Promise<string>((resolve, reject) => {
      const c = execFile(process.execPath, [...program, '-'], (err, stdout) => (err ? reject(err) : resolve(stdout)));
      c.stdin?.end(JSON.stringify(deployment));
    });
    t.same(apply(deployment, patch), parse(cliOut), 'the patched object is what the CLI writes');

    t.equal(await servedCN(port), 'first');
    // Rotation as a Secret volume does it: new files renamed into place.
    await writeFile(join(dir, 'new.crt'), await readFile(join(dir, 'second.crt')));
    await writeFile(join(dir, 'new.key'), await readFile(join(dir, 'second.key')));
    await rename(join(dir, 'new.key'), key);
    await rename(join(dir, 'new.crt'), cert);
    await waitFor(async () => (await servedCN(port)) === 'second', { timeoutMs: 15_000, what: 'the new certificate' });
    t.equal(child.exitCode, null, 'the same process: no restart');
    t.pass('the rotated certificate is served');
  });
}
