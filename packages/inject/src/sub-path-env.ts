/**
 * The environment a copied `subPathExpr` needs. The kubelet expands a mount's `subPathExpr` with
 * the variables of the container that mounts it, so the app's `logs/$(POD_ID)` names another
 * directory in the forwarder, or none, unless the forwarder has the same variables. The copy
 * references private copies of the app's definitions (`OUTRIGGER_APP_<name>`), so the
 * forwarder's own variables (POD_NAME, ...) keep their meaning and an app that defines one of
 * those names differently still gets its own directory.
 *
 * Expansion as the kubelet does it (Kubernetes' `third_party/forked/golang/expansion`): `$(NAME)`
 * is replaced when NAME is defined, and left as written when not; `$$` is a literal `$`.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const COPY_PREFIX = 'OUTRIGGER_APP_';

type Token = { text: string } | { ref: string };

/** The pieces of an expansion input: literal text and `$(NAME)` references. */
export function tokens(input: string): Token[] {
  const out: Token[] = [];
  let text = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 === input.length) {
      text += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      text += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        // no closing paren: the rest is literal
        text += input.slice(i);
        break;
      }
      if (text !== '') out.push({ text });
      text = '';
      out.push({ ref: input.slice(i + 2, close) });
      i = close;
    } else {
      text += c;
    }
  }
  if (text !== '') out.push({ text });
  return out;
}

export interface SubPathEnv {
  /** The forwarder's `subPathExpr`, referencing only the copies. */
  subPathExpr: string;
  /** Copies of the app's `env` entries it needs, in the app's order (a copy refers only to earlier ones). */
  env: Obj[];
  /** The app's `envFrom` sources that may define a referenced name, prefixed. */
  envFrom: Obj[];
}

/**
 * What the forwarder needs to expand `expr` as `app` (the container that mounts the log
 * directory) does. `own` are the names the forwarder defines itself.
 */
export function subPathEnv(app: Obj, expr: string, own: ReadonlySet<string>): SubPathEnv {
  const env = (Array.isArray(app.env) ? app.env : []).filter((e): e is Obj => isObj(e) && typeof e.name === 'string' && e.name !== '');
  const envFrom = Array.isArray(app.envFrom) ? app.envFrom.filter(isObj) : [];
  const copies = new Map<number, Obj>(); // index in env → its copy
  const fromSources = new Set<string>(); // names taken from the envFrom sources

  // `before`: how many of the app's env entries are defined where the input is expanded.
  const rewrite = (input: string, before: number): string =>
    tokens(input)
      .map((t) => {
        if ('text' in t) return t.text.replaceAll('$', '$$$$');
        if (t.ref === '') return '$$()'; // never a name: literal in the app too
        const i = lastIndex(env, t.ref, before);
        if (i !== -1) return `$(${copyOf(i)})`;
        if (envFrom.some((source) => mayDefine(source, t.ref))) {
          // From a ConfigMap or Secret, we take it: the prefixed sources define it for the
          // forwarder. Were it a service link variable, or undefined, instead, the app's would
          // read differently (its value, or `$(NAME)`) from ours (`$(OUTRIGGER_APP_NAME)`).
          fromSources.add(t.ref);
          return `$(${COPY_PREFIX}${t.ref})`;
        }
        // Undefined in the app, so left as written there; a service link variable (the same in
        // every container of the pod) or undefined here too, unless the forwarder defines it.
        return own.has(t.ref) ? `$$(${t.ref})` : `$(${t.ref})`;
      })
      .join('');

  const copyOf = (i: number): string => {
    const known = copies.get(i);
    if (known !== undefined) return known.name as string;
    const entry = env[i] as Obj;
    const base = `${COPY_PREFIX}${entry.name}`;
    // an earlier definition of a redefined name gets a suffix, one that is free
    const used = new Set([...copies.values()].map((c) => c.name));
    let name = base;
    for (let k = i; used.has(name); k++) name = `${base}_${k}`;
    const copy: Obj = { name };
    copies.set(i, copy); // before its value is rewritten, which copies what it refers to too
    Object.assign(
      copy,
      copiedValue(entry, app, (value) => rewrite(value, i)),
    );
    return name;
  };

  const subPathExpr = rewrite(expr, env.length);
  return {
    subPathExpr,
    env: [...copies.entries()].sort(([a], [b]) => a - b).map(([, copy]) => copy),
    // only the sources that can define one of them: the forwarder sees no more of the app's
    // ConfigMaps and Secrets than it needs
    envFrom: envFrom
      .filter((s) => [...fromSources].some((name) => mayDefine(s, name)))
      .map((s) => ({ ...s, prefix: `${COPY_PREFIX}${typeof s.prefix === 'string' ? s.prefix : ''}` })),
  };
}

/** Whether an `envFrom` source can define `name`: its prefix and a ConfigMap or Secret key. */
function mayDefine(source: Obj, name: string): boolean {
  const prefix = typeof source.prefix === 'string' ? source.prefix : '';
  return name.startsWith(prefix) && /^[-._a-zA-Z0-9]+$/.test(name.slice(prefix.length));
}

/** The last entry named `name` among the first `before` (a later entry overrides an earlier one). */
function lastIndex(env: Obj[], name: string, before: number): number {
  for (let i = before - 1; i >= 0; i--) if (env[i]?.name === name) return i;
  return -1;
}

/** The value of a copy of `entry`, with `rewrite` applied to a literal value. */
function copiedValue(entry: Obj, app: Obj, rewrite: (value: string) => string): Obj {
  if (typeof entry.value === 'string') return { value: rewrite(entry.value) };
  const from = entry.valueFrom;
  if (isObj(from) && isObj(from.resourceFieldRef) && from.resourceFieldRef.containerName === undefined) {
    // Without a container name it would read the forwarder's own requests and limits.
    return { valueFrom: { ...from, resourceFieldRef: { ...from.resourceFieldRef, containerName: app.name } } };
  }
  if (from !== undefined) return { valueFrom: from };
  return { value: '' }; // `name` alone defines it as empty
}
