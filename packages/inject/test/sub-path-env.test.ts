// The forwarder's copy of the app's log mount names the same directory: for random containers,
// the kubelet's expansion (modelled below from the EnvVar and VolumeMount API docs) of the app's
// subPathExpr with the app's variables equals that of the copy with the forwarder's.
import t from 'tap';
import { sidecarContainer, sidecarEnvNames } from '../src/sidecars.js';
import { subPathEnv, tokens } from '../src/sub-path-env.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks container objects freely
type Obj = Record<string, any>;

/** `$(NAME)` replaced when defined, left as written when not; `$$` is `$`; anything else literal. */
function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 === input.length) {
      out += input[i];
    } else if (input[i + 1] === '$') {
      out += '$';
      i++;
    } else if (input[i + 1] === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) return out + input.slice(i);
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

interface PodFacts {
  fields: Record<string, string>;
  resources: Record<string, Record<string, string>>; // container → resource → value
  /** A ConfigMap's value for a key (every valid key is defined: see the generator). */
  configMap: (name: string, key: string) => string;
  services: Record<string, string>;
}

const KEY = /^[-._a-zA-Z0-9]+$/;

/** A container's variables as the kubelet makes them: envFrom, then env in order, then services. */
function variables(c: Obj, pod: PodFacts): (name: string) => string | undefined {
  const env = new Map<string, string>();
  const lookup = (n: string): string | undefined => {
    if (env.has(n)) return env.get(n);
    // when sources define the same name, the last one's value is taken
    for (const s of [...(c.envFrom ?? [])].reverse()) {
      const prefix = s.prefix ?? '';
      if (n.startsWith(prefix) && KEY.test(n.slice(prefix.length))) return pod.configMap(s.configMapRef.name, n.slice(prefix.length));
    }
    return pod.services[n];
  };
  for (const e of c.env ?? []) {
    let v = '';
    if (typeof e.value === 'string') v = expand(e.value, lookup);
    else if (e.valueFrom?.fieldRef) v = pod.fields[e.valueFrom.fieldRef.fieldPath] ?? '';
    else if (e.valueFrom?.resourceFieldRef) {
      const r = e.valueFrom.resourceFieldRef;
      v = pod.resources[r.containerName ?? c.name]?.[r.resource] ?? '';
    }
    env.set(e.name, v);
  }
  return lookup;
}

const subPath = (c: Obj, expr: string, pod: PodFacts) => expand(expr, variables(c, pod));

t.test('tokens: references, escapes and literal dollars as the kubelet reads them', async (t) => {
  t.same(tokens('a/$(X)/b'), [{ text: 'a/' }, { ref: 'X' }, { text: '/b' }]);
  t.same(tokens('$$(X)'), [{ text: '$(X)' }], '$$ is one literal $');
  t.same(tokens('$x$'), [{ text: '$x$' }], 'a $ before anything else is literal');
  t.same(tokens('a$(X'), [{ text: 'a$(X' }], 'no closing paren: literal to the end');
  t.same(tokens('$()'), [{ ref: '' }]);
});

t.test('random containers: the copy expands to the same directory', async (t) => {
  let seed = 7;
  const rnd = (n: number) => {
    // mulberry32: an LCG's low bits repeat with short periods, which would leave cases untried
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const names = ['A', 'B', 'POD_NAME', 'NODE_NAME', 'WEB_SERVICE_HOST', 'C_1', 'P_A'];
  const piece = () => pick(['x', '-', '/', '$', '$$', '$(', ')', '$()', ...names.map((n) => `$(${n})`), ...names.map((n) => `$$(${n})`)]);
  const text = () => Array.from({ length: 1 + rnd(5) }, piece).join('');
  const pod: PodFacts = {
    fields: { 'metadata.name': 'pod-1', 'metadata.uid': 'u-42', 'spec.nodeName': 'node-9', 'metadata.namespace': 'ns' },
    resources: { app: { 'limits.memory': '512' }, 'log-forwarder': { 'limits.memory': '256' } },
    configMap: (name, key) => `${name}-${key}`,
    services: { WEB_SERVICE_HOST: '10.0.0.1' },
  };
  let cases = 0;
  for (let n = 0; n < 3000; n++) {
    const env: Obj[] = Array.from({ length: rnd(5) }, () => {
      const name = pick(names);
      switch (rnd(4)) {
        case 0:
          return { name, valueFrom: { fieldRef: { fieldPath: pick(Object.keys(pod.fields)) } } };
        case 1:
          return { name, valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } };
        case 2:
          return { name };
        default:
          return { name, value: text() };
      }
    });
    // From a ConfigMap that defines every key the expression may use: with envFrom, a name the
    // app's env lacks is taken to come from it (sub-path-env.ts says why).
    const source = (name: string) => ({ configMapRef: { name }, ...pick([{}, { prefix: '' }, { prefix: 'P_' }]) });
    const envFrom = rnd(3) === 0 ? Array.from({ length: 1 + rnd(2) }, (_, i) => source(`cfg${i}`)) : undefined;
    const app: Obj = { name: 'app', env, ...(envFrom ? { envFrom } : {}) };
    const expr = text();
    const copy = subPathEnv(app, expr, sidecarEnvNames);
    const forwarder = sidecarContainer('log-forwarder', {
      image: 'i',
      native: true,
      logsVolume: 'v',
      logsSubPath: { subPathExpr: copy.subPathExpr },
      logsEnv: { env: copy.env, envFrom: copy.envFrom },
    }) as Obj;
    const want = subPath(app, expr, pod);
    const got = subPath(forwarder, forwarder.volumeMounts[1].subPathExpr, pod);
    if (got !== want) {
      t.fail(`${JSON.stringify({ app, expr, copy })}: the app's ${want}, the forwarder's ${got}`);
      return;
    }
    const defined = forwarder.env.map((e: Obj) => e.name);
    if (new Set(defined).size !== defined.length) {
      t.fail(`a name defined twice in the forwarder: ${defined.join(', ')}`);
      return;
    }
    cases++;
  }
  t.equal(cases, 3000, 'every case the same directory, no name defined twice');
});

t.test('only the envFrom sources that can define a referenced name are copied', async (t) => {
  const app = {
    name: 'app',
    envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds', optional: true }, prefix: 'SEC_' }],
  };
  t.same(subPathEnv(app, 'logs/$(TENANT)', sidecarEnvNames).envFrom, [{ configMapRef: { name: 'settings' }, prefix: 'OUTRIGGER_APP_' }]);
  t.same(subPathEnv(app, 'logs/$(SEC_TENANT)', sidecarEnvNames).envFrom, [
    { configMapRef: { name: 'settings' }, prefix: 'OUTRIGGER_APP_' },
    { secretRef: { name: 'creds', optional: true }, prefix: 'OUTRIGGER_APP_SEC_' },
  ]);
  t.same(subPathEnv(app, 'logs/static', sidecarEnvNames), { subPathExpr: 'logs/static', env: [], envFrom: [] });
});

t.test('a redefined name: each definition used gets its own copy, every name once', async (t) => {
  const app = {
    name: 'app',
    env: [
      { name: 'X', value: 'a' },
      { name: 'X_3', value: 'b' }, // the name a copy of the X at index 3 would take first
      { name: 'Y', value: '$(X)' }, // the first X
      { name: 'X', value: 'c' }, // the X the expression sees
    ],
  };
  const copy = subPathEnv(app, '$(X_3)/$(Y)/$(X)', sidecarEnvNames);
  const names = copy.env.map((e) => e.name);
  t.equal(new Set(names).size, names.length, `no name twice: ${names.join(', ')}`);
  const value = (name: string) => copy.env.find((e) => e.name === name)?.value;
  const refs = [...copy.subPathExpr.matchAll(/\$\(([^)]+)\)/g)].map((m) => m[1] as string);
  t.same(
    refs.map((r) => value(r)),
    ['b', '$(OUTRIGGER_APP_X)', 'c'],
  );
  t.equal(value('OUTRIGGER_APP_X'), 'a');
});
