// examples/kubernetes/ (what users copy): every manifest validates against the Kubernetes schemas
// and our lint; the configs in the ConfigMap pass the sidecars' own `check`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { lintPodSpec } from '../src/lint.js';
import { validateObject } from '../src/validate.js';
import { workloadKinds } from '../src/workload.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const examples = join(root, 'examples/kubernetes');
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Obj = Record<string, any>;

for (const file of ['configmap.yaml', 'deployment-native.yaml', 'deployment-legacy.yaml', 'podman/pod.yaml', 'webhook/webhook.yaml']) {
  t.test(`${file}: valid`, async (t) => {
    const docs = parseAllDocuments(await readFile(join(examples, file), 'utf8'));
    for (const d of Array.isArray(docs) ? docs : []) {
      t.same(d.errors, [], 'YAML');
      const o = d.toJS() as Obj;
      const label = `${o.kind}/${o.metadata?.name}`;
      const obj = file === 'podman/pod.yaml' ? JSON.parse(JSON.stringify(o).replace('SINK_DIR', '/tmp/sink')) : o;
      t.same(await validateObject(obj), [], `${label}: Kubernetes schema`);
      const paths = workloadKinds[o.kind];
      if (paths) t.same(lintPodSpec(paths.spec.reduce((v: Obj, k) => v[k], o)), [], `${label}: lint`);
    }
  });
}

t.test('the ConfigMap configs pass `outrigger <sidecar> check`', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8s-examples-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = (parse(await readFile(join(examples, 'configmap.yaml'), 'utf8')) as Obj).data as Record<string, string>;
  const env = { ...process.env, POD_NAME: 'p', POD_NAMESPACE: 'n', NODE_NAME: 'node', POD_LABEL_APP: 'checkout' };
  for (const sidecar of ['log-forwarder', 'egress-proxy', 'api-adapter']) {
    const text = data[`${sidecar}.yaml`] as string;
    // The egress-proxy's credential is a mounted Secret: point it at a file that exists here.
    const token = join(dir, 'payments-token');
    await writeFile(token, 'x\n');
    const file = join(dir, `${sidecar}.yaml`);
    await writeFile(file, text.replace('/etc/outrigger-secrets/payments-token', token));
    const bin = join(root, 'packages/outrigger/dist/bundle/outrigger.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, sidecar, 'check', '-c', file], { env });
    t.equal(stdout.trim(), 'OK', sidecar);
  }
});
