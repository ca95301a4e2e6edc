// outrigger-inject on a directory of varied workloads (acceptance 3 and 5 of issue 10): valid
// output, a second run byte-identical, the skips reported with reasons; bad input → an error
// naming file and document, nothing on stdout.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import { lintPodSpec } from '../src/lint.js';
import { validateObject } from '../src/validate.js';
import { workloadKinds } from '../src/workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../bin.js');
const fixtures = join(here, '../../test/fixtures/workloads');

function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the test walks parsed YAML freely
type Obj = Record<string, any>;
const objects = (text: string): Obj[] =>
  parseAllDocuments(text as string)
    .map((d) => d.toJS() as Obj)
    .flatMap((o) => (o?.kind === 'List' ? o.items : [o]));
const podSpec = (o: Obj) => (workloadKinds[o.kind]?.spec ?? []).reduce((v: Obj, k) => v?.[k], o);

/** The one object outrigger-inject prints for `input` (with only the log-forwarder), once it exited 0. */
async function injectedForwarder(t: Test, input: Obj): Promise<Obj> {
  const r = await run(['--sidecars', 'log-forwarder', '-'], JSON.stringify(input));
  t.equal(r.code, 0, r.stderr);
  return objects(r.stdout)[0] as Obj;
}

t.test('a directory of every kind: injected, valid, idempotent, skips reported', async (t) => {
  const first = await run([fixtures]);
  t.equal(first.code, 0, first.stderr);
  const objs = objects(first.stdout);
  const kinds = objs.map((o) => o.kind).sort();
  t.same(kinds, ['CronJob', 'DaemonSet', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'Pod', 'ReplicaSet', 'Service', 'StatefulSet']);
  for (const o of objs) {
    const spec = podSpec(o);
    t.same(await validateObject(o), [], `${o.kind}/${o.metadata.name} validates against the Kubernetes schema`);
    if (!workloadKinds[o.kind]) continue;
    t.same(lintPodSpec(spec), [], `${o.kind}/${o.metadata.name} passes the lint`);
    const names = [...(spec.initContainers ?? []), ...spec.containers].map((c: Obj) => c.name);
    const skipped = ['opted-out', 'node-agent'].includes(o.metadata.name);
    if (skipped) t.notOk(names.includes('log-forwarder'), `${o.metadata.name} left alone`);
    else if (o.metadata.name === 'db') t.same(names, ['log-forwarder', 'db'], 'the annotation chose the sidecars');
    else t.same(names.slice(0, 3), ['log-forwarder', 'egress-proxy', 'api-adapter'], `${o.kind}/${o.metadata.name}: native sidecars first`);
    if (!skipped) t.ok(spec.initContainers.every((c: Obj) => c.restartPolicy === 'Always'));
  }
  const db = objs.find((o) => o.metadata.name === 'db') as Obj;
  const lf = db.spec.template.spec.initContainers[0];
  t.ok(
    lf.volumeMounts.some((m: Obj) => m.name === 'logs' && m.mountPath === '/var/log/app'),
    "the app's own log volume is shared, not a second one",
  );
  t.match(first.stdout, /name: web # the front end\n/, 'comments kept');
  t.match(first.stderr, /skipped .*skipped\.yaml: document 1 \(Pod\/opted-out\): opted out/);
  t.match(first.stderr, /skipped .*skipped\.yaml: document 2 \(DaemonSet\/node-agent\): hostNetwork: true/);

  const second = await run(['-'], first.stdout);
  t.equal(second.code, 0);
  t.equal(second.stdout, first.stdout, 'injecting the output again changes nothing, byte for byte');
});

// Written here, not as a fixture: the repo's formatter (biome) normalises quotes in YAML files.
t.test('quoting, comments, key order and unknown fields survive', async (t) => {
  const text = `# head comment
apiVersion: v1
kind: Pod
metadata:
  name: quoted # trailing comment
  labels: { z: last, a: 'single' }
spec:
  x-custom: { keep: me }
  containers:
    - image: "double"
      name: 'app'
      args: [plain, 'single', "double"]
`;
  const r = await run(['-'], text);
  t.equal(r.code, 0, r.stderr);
  for (const kept of [
    '# head comment\n',
    'name: quoted # trailing comment',
    "a: 'single'",
    'image: "double"',
    "name: 'app'",
    '\'single\', "double"',
    'x-custom: { keep: me }',
  ]) {
    t.ok(r.stdout.includes(kept), `kept: ${kept}`);
  }
  t.ok(r.stdout.indexOf('z: last') < r.stdout.indexOf("a: 'single'"), 'key order kept');
  t.ok(r.stdout.indexOf('image: "double"') < r.stdout.indexOf("name: 'app'"), 'key order kept in the app container');
});

t.test('documents that are not injected come out byte for byte, CRLF stays CRLF', async (t) => {
  // As `helm template` writes them: a leading source comment, empty and comment-only documents,
  // flow collections with their own spacing, a trailing marker.
  const untouched: [string, string, string] = [
    '# Source: web/templates/service.yaml\n---\n',
    '---\n# only a comment\n',
    '---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web},   ports: [ {port: 80} ]}\n',
  ];
  const deployment =
    '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "nginx:1.27"}]\n';
  const text = `${untouched[0]}${untouched[1]}${deployment}${untouched[2]}---\n`;
  const r = await run(['-'], text);
  t.equal(r.code, 0, r.stderr);
  t.ok(r.stdout.startsWith(untouched[0] + untouched[1]), 'the documents before the workload as written');
  t.ok(r.stdout.endsWith(`${untouched[2]}---\n`), 'the Service after it as written');
  t.match(r.stdout, /name: log-forwarder/, 'the workload injected');

  const crlf = text.replace(/\n/g, '\r\n');
  const c = await run(['-'], crlf);
  t.equal(c.code, 0, c.stderr);
  t.notMatch(c.stdout.replace(/\r\n/g, ''), /\n/, 'every line break is CRLF');
  t.ok(c.stdout.endsWith(`${untouched[2].replace(/\n/g, '\r\n')}---\r\n`), 'untouched documents byte for byte');
});

t.test('another version in the record: re-injected cleanly (once, not twice)', async (t) => {
  const first = await run([join(fixtures, 'apps.yaml')]);
  const old = first.stdout.replaceAll('0.1.0;native;', '0.0.9;native;').replaceAll('outrigger:0.1.0', 'outrigger:0.0.9');
  const again = await run(['-'], old);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout, (await run(['-'], first.stdout)).stdout, 'the same as injecting with this version');
  t.equal(again.stdout.match(/- name: log-forwarder/g)?.length, 2);
});

t.test('legacy mode: plain containers after the app', async (t) => {
  const r = await run(['--mode', 'legacy', '--sidecars', 'egress-proxy', join(fixtures, 'nested/pod.json')]);
  t.equal(r.code, 0, r.stderr);
  const [pod] = objects(r.stdout) as [Obj];
  t.same(
    pod.spec.containers.map((c: Obj) => c.name),
    ['solo', 'egress-proxy'],
  );
  t.equal(pod.spec.containers[1].restartPolicy, undefined);
  t.same(await validateObject(pod), []);
});

t.test('JSON in, JSON out; in legacy mode a pod that runs to completion is skipped', async (t) => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'report' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox' }] } } },
  };
  const r = await run(['-'], JSON.stringify(job));
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Obj; // throws unless the output is JSON
  t.same(
    out.spec.template.spec.initContainers.map((c: Obj) => c.name),
    ['log-forwarder', 'egress-proxy', 'api-adapter'],
  );
  t.equal((await run(['-'], r.stdout)).stdout, r.stdout, 'idempotent');

  // Plain containers never exit, so the Job would never complete: skipped with the reason.
  for (const o of [job, { ...job, apiVersion: 'v1', kind: 'Pod', spec: job.spec.template.spec }]) {
    const legacy = await run(['--mode', 'legacy', '-'], JSON.stringify(o));
    t.equal(legacy.code, 0, legacy.stderr);
    t.equal(legacy.stdout, JSON.stringify(o), `${o.kind}: written back unchanged`);
    t.match(legacy.stderr, /runs to completion.*--mode native/, `${o.kind}: the reason on stderr`);
  }
});

t.test('bad input: an error naming file and document, nothing on stdout, exit 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'inject-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'a-good.yaml');
  await writeFile(good, 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: a, image: a }] }\n');
  const cases: [string, string, RegExp][] = [
    ['not-yaml.yaml', 'a: [1, 2\n', /not-yaml\.yaml: document 1: not YAML/],
    [
      'not-k8s.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n---\nhello: world\n',
      /not-k8s\.yaml: document 2: not a Kubernetes object/,
    ],
    [
      'empty.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { template: { spec: {} } }\n',
      /empty\.yaml: document 1 \(Deployment\/d\): a workload without containers/,
    ],
    [
      'clash.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: c }\nspec: { containers: [{ name: a, image: a, ports: [{ containerPort: 8080 }] }] }\n',
      /clash\.yaml: document 1 \(Pod\/c\): container "a" uses port 8080, which api-adapter listens on \(leave api-adapter out: --sidecars, or the outrigger.dev\/inject annotation\)/,
    ],
    [
      'invalid.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: i }\nspec: { containers: [{ name: a, image: a, ports: [{ containerPort: "x" }] }] }\n',
      /invalid\.yaml: document 1 \(Pod\/i\): schema v1\/Pod: .*containerPort/,
    ],
  ];
  for (const [name, text, error] of cases) {
    const file = join(dir, name);
    await writeFile(file, text);
    const r = await run([good, file]);
    t.equal(r.code, 1, `${name}: exit 1`);
    t.equal(r.stdout, '', `${name}: nothing partial on stdout`);
    t.match(r.stderr, error, name);
    await rm(file);
  }
});

t.test('a volume the workload already has under one of our names is its own: mounted, not added twice, kept on re-injection', async (t) => {
  // As in examples/kubernetes: the config volume points at the app's own ConfigMap, the state
  // volume has a size limit.
  const own = [
    { name: 'outrigger-config', configMap: { name: 'checkout-outrigger' } },
    { name: 'outrigger-state', emptyDir: { sizeLimit: '16Mi' } },
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'checkout' },
    spec: {
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [{ name: 'app', image: 'app:1' }], volumes: own },
      },
    },
  };
  const first = await run(['-'], JSON.stringify(deployment));
  t.equal(first.code, 0, first.stderr);
  const spec = podSpec(JSON.parse(first.stdout));
  const names = spec.volumes.map((v: Obj) => v.name);
  t.same(names, [...new Set(names)], 'each volume name once');
  t.same(spec.volumes.slice(0, 2), own, "the workload's own definitions kept");
  t.ok(names.includes('outrigger-logs'), 'the one it did not have is added');
  t.same(await validateObject(JSON.parse(first.stdout)), []);

  const old = first.stdout.replaceAll('0.1.0;native;', '0.0.9;native;');
  const again = await run(['--sidecars', 'egress-proxy', '-'], old);
  t.equal(again.code, 0, again.stderr);
  const reinjected = podSpec(JSON.parse(again.stdout));
  t.same(reinjected.volumes, own, 'only what it added is taken out: the own volumes stay, the logs volume goes');
  t.same(
    reinjected.containers.map((c: Obj) => c.volumeMounts ?? []),
    [[]],
    'the logs mount it gave the app is taken out with its volume',
  );
  t.equal((await run(['-'], first.stdout)).stdout, first.stdout, 'idempotent');

  const twice: Obj = structuredClone(deployment);
  twice.spec.template.spec.volumes.push(own[0]);
  const dup = await run(['-'], JSON.stringify(twice));
  t.equal(dup.code, 1);
  t.match(dup.stderr, /volume name "outrigger-config" is used twice/, 'a duplicate volume name is named');
});

t.test('a StatefulSet whose app mounts a volume from its volumeClaimTemplates is injected', async (t) => {
  // The commonest shape of a database: the data volume comes from a PVC template, not spec.volumes.
  const sts = [
    'apiVersion: apps/v1',
    'kind: StatefulSet',
    'metadata: {name: db}',
    'spec:',
    '  serviceName: db',
    '  selector: {matchLabels: {app: db}}',
    '  template:',
    '    metadata: {labels: {app: db}}',
    '    spec:',
    '      containers:',
    '        - {name: db, image: "db:1", volumeMounts: [{name: data, mountPath: /data}]}',
    '  volumeClaimTemplates:',
    '    - metadata: {name: data}',
    '      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
    '',
  ].join('\n');
  const r = await run(['-'], sts);
  t.equal(r.code, 0, r.stderr);
  const [out] = objects(r.stdout) as [Obj];
  t.same(
    out.spec.template.spec.initContainers.map((c: Obj) => c.name),
    ['log-forwarder', 'egress-proxy', 'api-adapter'],
  );
  t.same(await validateObject(out), []);

  const missing = await run(['-'], sts.replace('name: data, mountPath', 'name: nowhere, mountPath'));
  t.equal(missing.code, 1, 'a mount of a volume neither in volumes nor in the claim templates is still an error');
  t.match(missing.stderr, /mounts volume "nowhere", which the pod does not have/);
});

t.test("the forwarder runs in the app's group, so group-readable log files are readable to it", async (t) => {
  const pod = (podGroup: number | undefined, appGroup: number | undefined) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        ...(podGroup === undefined ? {} : { securityContext: { runAsGroup: podGroup } }),
        containers: [
          { name: 'sidecar', image: 's' },
          {
            name: 'app',
            image: 'a',
            ...(appGroup === undefined ? {} : { securityContext: { runAsGroup: appGroup } }),
            volumeMounts: [{ name: 'l', mountPath: '/var/log/app' }],
          },
        ],
        volumes: [{ name: 'l', emptyDir: {} }],
      },
    });
  const groupOf = async (input: string, sidecar = 'log-forwarder') => {
    const r = await run(['-'], input);
    t.equal(r.code, 0, r.stderr);
    const [out] = objects(r.stdout) as [Obj];
    t.same(await validateObject(out), []);
    return out.spec.initContainers.find((c: Obj) => c.name === sidecar).securityContext.runAsGroup;
  };
  t.equal(await groupOf(pod(undefined, 1000)), 1000, 'the group of the container that mounts the logs');
  t.equal(await groupOf(pod(2000, undefined)), 2000, "else the pod's");
  t.equal(await groupOf(pod(2000, 1000)), 1000, "the container's wins, as in Kubernetes");
  t.equal(await groupOf(pod(undefined, undefined)), 65534, 'unknown: nobody');
  t.equal(await groupOf(pod(0, undefined)), 65534, 'never the root group');
  t.equal(await groupOf(pod(undefined, 1000), 'egress-proxy'), 65534, 'only the forwarder reads the logs');
});

t.test('a Windows pod is left alone, with the reason: the sidecars are Linux containers', async (t) => {
  const pod = (spec: Obj) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'win' },
      spec: { containers: [{ name: 'iis', image: 'iis' }], ...spec },
    });
  const onlyWindows = {
    nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] }],
  };
  for (const [how, spec] of [
    ['spec.os.name', { os: { name: 'windows' } }],
    ['a nodeSelector', { nodeSelector: { 'kubernetes.io/os': 'windows' } }],
    ['a required node affinity', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: onlyWindows } } }],
  ] as const) {
    const input = pod(spec);
    const r = await run(['-'], input);
    t.equal(r.code, 0, r.stderr);
    t.same(objects(r.stdout), objects(input), `${how}: unchanged`);
    t.match(r.stderr, /skipped .*\(Pod\/win\): runs on Windows nodes/, `${how}: the reason`);
  }
  const either = pod({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows', 'linux'] }] }],
        },
      },
    },
  });
  const r = await run(['--sidecars', 'egress-proxy', '-'], either);
  t.equal(r.code, 0, r.stderr);
  t.equal((objects(r.stdout)[0] as Obj).spec.initContainers?.[0]?.name, 'egress-proxy', 'a pod that may run on Linux is injected');
});

/** A Pod whose app mounts its emptyDir `volume` as `mount` says (the log directory, spelled some way). */
const podMounting = (volume: string, mount: Record<string, string>): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'p', image: 'p', volumeMounts: [{ name: volume, ...mount }] }],
      volumes: [{ name: volume, emptyDir: {} }],
    },
  });

t.test("the app's own log volume is found however its mountPath is spelled (a trailing slash)", async (t) => {
  const r = await run(['--sidecars', 'log-forwarder', '-'], podMounting('l', { mountPath: '/var/log/app/' }));
  t.equal(r.code, 0, r.stderr);
  const [out] = objects(r.stdout) as [Obj];
  t.same(out.spec.containers[0].volumeMounts, [{ name: 'l', mountPath: '/var/log/app/' }], 'no second mount at the same place');
  t.same(
    out.spec.volumes.map((v: Obj) => v.name),
    ['l', 'outrigger-config', 'outrigger-state'],
  );
  t.equal(
    out.spec.initContainers[0].volumeMounts.find((m: Obj) => m.mountPath === '/var/log/app')?.name,
    'l',
    'the forwarder reads the app’s volume',
  );
});

t.test('the app mounts a volume above the log directory (/var/log): its logs stay on it, and the forwarder reads them there', async (t) => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'app', image: 'app', volumeMounts: [{ name: 'keep', mountPath: '/var/log', subPath: 'web' }] }],
      volumes: [{ name: 'keep', persistentVolumeClaim: { claimName: 'logs' } }],
    },
  };
  const out = await injectedForwarder(t, pod);
  t.same(
    out.spec.containers[0].volumeMounts,
    pod.spec.containers[0]?.volumeMounts,
    "the app's mounts are unchanged: /var/log/app is still on its volume",
  );
  t.same(
    out.spec.volumes.map((v: Obj) => v.name),
    ['keep', 'outrigger-config', 'outrigger-state'],
    'no emptyDir of ours',
  );
  t.same(
    out.spec.initContainers[0].volumeMounts.find((m: Obj) => m.name === 'keep'),
    { name: 'keep', mountPath: '/var/log', readOnly: true, subPath: 'web' },
    'the forwarder mounts it where the app does, so /var/log/app is the same directory',
  );
  t.same(await validateObject(out), []);

  const deeper = structuredClone(pod);
  deeper.spec.containers.push({ name: 'other', image: 'o', volumeMounts: [{ name: 'own', mountPath: '/var/log/app' }] } as never);
  deeper.spec.volumes.push({ name: 'own', emptyDir: {} } as never);
  const out2 = await injectedForwarder(t, deeper);
  t.same(
    out2.spec.initContainers[0].volumeMounts.find((m: Obj) => m.mountPath.startsWith('/var/log')),
    { name: 'own', mountPath: '/var/log/app', readOnly: true },
    'a mount at the log directory itself is what is seen there: it wins over one above it',
  );

  const atVar = structuredClone(pod);
  (atVar.spec.containers[0] as Obj).volumeMounts = [{ name: 'keep', mountPath: '/var' }];
  const out3 = await injectedForwarder(t, atVar);
  t.same(
    out3.spec.initContainers[0].volumeMounts.map((m: Obj) => m.mountPath),
    ['/etc/outrigger', '/var/log/app', '/var/lib/outrigger'],
    'not above its own state directory (read-only, its mount point could not be made): the shared emptyDir instead',
  );

  const readOnly = structuredClone(pod);
  (readOnly.spec.containers[0] as Obj).volumeMounts = [{ name: 'keep', mountPath: '/var/log', readOnly: true }];
  const out4 = await injectedForwarder(t, readOnly);
  t.same(
    out4.spec.containers[0].volumeMounts,
    [
      { name: 'keep', mountPath: '/var/log', readOnly: true },
      { name: 'outrigger-logs', mountPath: '/var/log/app' },
    ],
    'a read-only /var/log is not where the app writes: it gets the shared directory',
  );
});

t.test("the app mounts its log directory with a subPathExpr: the forwarder expands it with the app's variables", async (t) => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app',
          env: [
            { name: 'POD_NAME', value: 'web' }, // not the pod's name: the forwarder's own POD_NAME must not be used
            { name: 'SHARD', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'DIR', value: '$(SHARD)-$(MEM)' },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
          ],
          volumeMounts: [{ name: 'shared', mountPath: '/var/log/app', subPathExpr: 'logs/$(POD_NAME)/$(DIR)/$(NODE_NAME)' }],
        },
      ],
      volumes: [{ name: 'shared', emptyDir: {} }],
    },
  };
  const out = await injectedForwarder(t, pod);
  const forwarder = out.spec.initContainers[0];
  t.same(
    forwarder.volumeMounts.find((m: Obj) => m.mountPath === '/var/log/app'),
    {
      name: 'shared',
      mountPath: '/var/log/app',
      readOnly: true,
      // NODE_NAME: undefined in the app, so literal there; the forwarder defines it, so escaped
      subPathExpr: 'logs/$(OUTRIGGER_APP_POD_NAME)/$(OUTRIGGER_APP_DIR)/$$(NODE_NAME)',
    },
  );
  t.same(
    forwarder.env.filter((e: Obj) => e.name.startsWith('OUTRIGGER_APP_')),
    [
      { name: 'OUTRIGGER_APP_POD_NAME', value: 'web' },
      { name: 'OUTRIGGER_APP_SHARD', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      // MEM is defined after DIR: in the app the reference stays literal, and so it does here
      { name: 'OUTRIGGER_APP_DIR', value: '$(OUTRIGGER_APP_SHARD)-$(MEM)' },
    ],
    "copies of what the expression uses, in the app's order",
  );
  t.same(
    forwarder.env.find((e: Obj) => e.name === 'POD_NAME'),
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    'the forwarder keeps its own POD_NAME for its records',
  );
  t.same(await validateObject(out), []);
});

t.test('the app mounts a subPath of a volume at the log directory: the forwarder mounts the same subPath', async (t) => {
  const r = await run(['--sidecars', 'log-forwarder', '-'], podMounting('shared', { mountPath: '/var/log/app', subPath: 'logs' }));
  t.equal(r.code, 0, r.stderr);
  const [out] = objects(r.stdout) as [Obj];
  t.same(
    out.spec.initContainers[0].volumeMounts.find((m: Obj) => m.mountPath === '/var/log/app'),
    { name: 'shared', mountPath: '/var/log/app', readOnly: true, subPath: 'logs' },
    'the directory the app writes to, not the volume’s root',
  );
  t.same(await validateObject(out), []);
});
