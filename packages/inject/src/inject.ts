/**
 * The core shared by the CLI (and the webhook, when it lands): a YAML stream in, the same stream
 * with the sidecars added to every supported workload out. The YAML is edited in place (the `yaml`
 * Document API), so comments, key order, quoting and unknown fields survive; a document that needs
 * no change is written back byte for byte.
 */
import { CST, type Document, isMap, isSeq, Parser, parseAllDocuments, type YAMLMap, type YAMLSeq } from 'yaml';
import { claimedVolumes, lintPodSpec } from './lint.js';
import { LOG_DIR, OWN_MOUNTS, type SidecarName, sidecarContainer, sidecarEnvNames, sidecarNames, VERSION, volumes } from './sidecars.js';
import { subPathEnv } from './sub-path-env.js';
import { validateObject } from './validate.js';
import { workloadKinds } from './workload.js';

export const INJECT_ANNOTATION = 'outrigger.dev/inject';
export const INJECTED_ANNOTATION = 'outrigger.dev/injected';

export interface InjectOptions {
  sidecars?: readonly SidecarName[];
  mode?: 'native' | 'legacy';
  image?: string;
}

export interface Skip {
  source: string;
  document: number;
  object: string;
  reason: string;
}

export interface InjectResult {
  output: string;
  changed: boolean;
  skips: Skip[];
  /** Each names the source and the document; when there are any, `output` must not be used. */
  errors: string[];
}

type Obj = Record<string, unknown>;
type Path = (string | number)[];
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (v: unknown, path: Path): unknown =>
  path.reduce<unknown>((o, k) => (isObj(o) || Array.isArray(o) ? (o as Obj)[k] : undefined), v);

export function defaultImage(): string {
  return `ghcr.io/outrigger-dev/outrigger:${VERSION}`;
}

/**
 * The record written to `outrigger.dev/injected`: what was injected, by which version, how
 * (`<version>;<mode>;<sidecars>`), then `;<volumes>`: the volumes it added, the ones a
 * re-injection may take out (a volume the workload had under one of our names is its own).
 */
export function injectedRecord(names: readonly string[], mode: string): string {
  return `${VERSION};${mode};${names.join(',')}`;
}

export async function injectText(text: string, source: string, options: InjectOptions = {}): Promise<InjectResult> {
  const mode = options.mode ?? 'native';
  const image = options.image ?? defaultImage();
  const skips: Skip[] = [];
  const errors: string[] = [];
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) return { output: text, changed: false, skips, errors };
  let changed = false;
  /** Indexes of the documents that changed: only they are printed again, the others stay as written. */
  const changedDocs = new Set<number>();
  const where = (i: number, label?: string) => `${source}: document ${i + 1}${label ? ` (${label})` : ''}`;

  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      errors.push(`${where(i)}: not YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
      continue;
    }
    const js = doc.toJS() as unknown;
    if (js === null || js === undefined) continue; // an empty document
    if (!isObj(js) || typeof js.apiVersion !== 'string' || typeof js.kind !== 'string') {
      errors.push(`${where(i)}: not a Kubernetes object (no apiVersion and kind)`);
      continue;
    }
    const objects: Path[] = js.kind === 'List' ? (Array.isArray(js.items) ? js.items.map((_, j) => ['items', j]) : []) : [[]];
    for (const base of objects) {
      const obj = at(js, base);
      if (!isObj(obj)) {
        errors.push(`${where(i)}: ${base.join('.')} is not a Kubernetes object`);
        continue;
      }
      const label = `${obj.kind}/${at(obj, ['metadata', 'name']) ?? '(no name)'}`;
      const r = injectObject(doc, base, obj, { mode, image, sidecars: options.sidecars });
      if (r.error) errors.push(`${where(i, label)}: ${r.error}`);
      if (r.skip) skips.push({ source, document: i + 1, object: label, reason: r.skip });
      if (!r.changed) continue;
      changed = true;
      changedDocs.add(i);
      const after = at(doc.toJS(), base) as Obj;
      const spec = at(after, workloadKinds[String(after.kind)]?.spec ?? []) as Obj;
      for (const p of [...lintPodSpec(spec, claimedVolumes(after)), ...(await validateObject(after))])
        errors.push(`${where(i, label)}: ${p}`);
    }
  }
  if (!changed || errors.length > 0) return { output: text, changed: false, skips, errors };
  return { output: reprint(text, docs, changedDocs), changed, skips, errors };
}

/**
 * The text again with only the changed documents printed anew: every other document (and what
 * lies between documents) is copied byte for byte from the input, so a reviewer's diff shows the
 * injection and nothing else. The printer's line breaks follow the input's (CRLF stays CRLF).
 */
function reprint(text: string, docs: readonly Document[], changedDocs: ReadonlySet<number>): string {
  const crlf = text.includes('\r\n');
  let output = '';
  let between = '';
  let d = 0;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') {
      between += CST.stringify(token);
      continue;
    }
    const i = d++;
    const doc = docs[i];
    if (!doc || !changedDocs.has(i)) {
      output += between + CST.stringify(token);
    } else {
      // JSON in, JSON out (a .json manifest stays JSON; the printer would write YAML flow style).
      let s = isJson(CST.stringify(token)) ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString({ lineWidth: 0 });
      // What precedes the first document (comments, directives) is part of its printed form.
      if (i > 0) output += between;
      if (output !== '' && !s.startsWith('---')) s = `---\n${s}`;
      output += crlf ? s.replace(/\r?\n/g, '\r\n') : s;
    }
    between = '';
  }
  return output + between;
}

/** A document written as JSON: its content (past a `---` marker and comments) opens with `{`. */
function isJson(source: string): boolean {
  for (const line of source.split('\n')) {
    const l = line.trim();
    if (l === '' || l === '---' || l.startsWith('#')) continue;
    return l.startsWith('{');
  }
  return false;
}

interface ObjectResult {
  changed?: boolean;
  skip?: string;
  error?: string;
}

function injectObject(
  doc: Document,
  base: Path,
  obj: Obj,
  o: { mode: 'native' | 'legacy'; image: string; sidecars?: readonly SidecarName[] },
): ObjectResult {
  const paths = workloadKinds[String(obj.kind)];
  if (!paths) return {}; // not a workload: passes through untouched
  const annotations = { ...(at(obj, ['metadata', 'annotations']) as Obj), ...(at(obj, [...paths.meta, 'annotations']) as Obj) };
  const wanted = annotations[INJECT_ANNOTATION];
  if (wanted === 'false' || wanted === false) return { skip: `opted out (${INJECT_ANNOTATION}: "false")` };
  const spec = at(obj, paths.spec);
  if (!isObj(spec) || !Array.isArray(spec.containers) || spec.containers.length === 0) return { error: 'a workload without containers' };
  if (spec.hostNetwork === true) return { skip: "hostNetwork: true (the sidecars' ports would be the node's)" };
  // The sidecars are Linux containers, and the API server refuses their Linux-only security
  // settings in a pod for Windows: injecting would make the workload fail to create.
  if (runsOnWindows(spec)) return { skip: 'runs on Windows nodes (the sidecars are Linux containers)' };
  // Plain containers never exit on their own: a pod that should run to completion would not.
  if (
    o.mode === 'legacy' &&
    (obj.kind === 'Job' || obj.kind === 'CronJob' || (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always'))
  ) {
    return {
      skip: 'runs to completion, which sidecars as plain containers would prevent (they never exit): use --mode native (Kubernetes >= 1.29)',
    };
  }
  let names: SidecarName[] = [...(o.sidecars ?? sidecarNames)];
  if (typeof wanted === 'string' && wanted !== 'true' && wanted !== '') {
    const asked = wanted.split(',').map((s) => s.trim());
    const unknown = asked.filter((n) => !(sidecarNames as readonly string[]).includes(n));
    if (unknown.length > 0) return { error: `${INJECT_ANNOTATION}: unknown sidecar ${unknown.join(', ')}` };
    names = sidecarNames.filter((n) => asked.includes(n));
  }
  const record = injectedRecord(names, o.mode);
  const previous = annotations[INJECTED_ANNOTATION];
  if (typeof previous === 'string' && previous.split(';').slice(0, 3).join(';') === record) return {};

  const specPath = [...base, ...paths.spec];
  const seqAt = (key: string): YAMLSeq | undefined => {
    const n = doc.getIn([...specPath, key], true);
    return isSeq(n) ? n : undefined;
  };
  const named = (n: unknown, set: Set<string>) => isMap(n) && set.has(String((n as YAMLMap).get('name')));
  if (typeof previous === 'string') {
    // Injected before by another version or with other choices: take out what we added, then add anew.
    const ours = new Set(previous.split(';')[2]?.split(',') ?? []);
    for (const key of ['initContainers', 'containers']) {
      const seq = seqAt(key);
      if (seq) seq.items = seq.items.filter((n) => !named(n, ours));
    }
    // A record from before the volumes field: every volume of our names was added by us then.
    const addedBefore = previous.split(';')[3];
    const ourVolumes = new Set<string>(addedBefore === undefined ? Object.values(volumes) : addedBefore.split(',').filter(Boolean));
    const vols = seqAt('volumes');
    if (vols) vols.items = vols.items.filter((n) => !named(n, ourVolumes));
    for (const c of seqAt('containers')?.items ?? []) {
      const mounts = isMap(c) ? c.get('volumeMounts', true) : undefined;
      if (isSeq(mounts)) mounts.items = mounts.items.filter((n) => !named(n, ourVolumes));
    }
  }

  const containers = (at(doc.toJS(), specPath) as Obj).containers as Obj[];
  // The app's own mount at the log directory, or above it (`/var/log`): the deepest is what the
  // app sees there. The forwarder mounts it where the app does, so the logs stay on the app's
  // volume (a PVC keeps them) and the forwarder reads the same directory.
  const mountPathOf = (m: Obj) => (typeof m.mountPath === 'string' ? m.mountPath.replace(/\/+$/, '') : ''); // `/var/log/app/` is the same place
  const holdsLogDir = (m: Obj) => {
    const path = mountPathOf(m);
    if (path === LOG_DIR) return true;
    // Above it, but not above the forwarder's own mounts (`/var`): their mount points could not
    // be made in a read-only mount, so the forwarder could not start. Nor a read-only one: the
    // app cannot write its logs there, so it gets the shared directory as before.
    return path !== '' && LOG_DIR.startsWith(`${path}/`) && m.readOnly !== true && !OWN_MOUNTS.some((own) => own.startsWith(`${path}/`));
  };
  let logsOwner: Obj | undefined;
  let ownLogs: Obj | undefined;
  for (const c of containers) {
    for (const m of Array.isArray(c.volumeMounts) ? (c.volumeMounts as Obj[]) : []) {
      if (holdsLogDir(m) && (ownLogs === undefined || mountPathOf(m).length > mountPathOf(ownLogs).length)) {
        logsOwner = c;
        ownLogs = m;
      }
    }
  }
  const logsVolume = ownLogs ? String(ownLogs.name) : volumes.logs;
  const logsGroup = appGroup(logsOwner ?? containers.find((c) => !(sidecarNames as readonly string[]).includes(String(c.name))), spec);
  const logsMountPath = ownLogs ? mountPathOf(ownLogs) : LOG_DIR;
  // The forwarder must see the directory the app writes to: the same part of the volume.
  const logsSubPath: { subPath?: string; subPathExpr?: string } = {};
  let logsEnv: { env: Obj[]; envFrom: Obj[] } | undefined;
  if (typeof ownLogs?.subPath === 'string' && ownLogs.subPath !== '') logsSubPath.subPath = ownLogs.subPath;
  if (logsOwner && typeof ownLogs?.subPathExpr === 'string' && ownLogs.subPathExpr !== '') {
    // expanded with the app container's variables: the forwarder gets copies of those it uses
    const { subPathExpr, env, envFrom } = subPathEnv(logsOwner, ownLogs.subPathExpr, sidecarEnvNames);
    logsSubPath.subPathExpr = subPathExpr;
    logsEnv = { env, envFrom };
  }
  const native = o.mode === 'native';
  const key = native ? 'initContainers' : 'containers';
  if (!seqAt(key)) doc.setIn([...specPath, key], doc.createNode([]));
  const target = seqAt(key) as YAMLSeq;
  const added = names.map((n) =>
    doc.createNode(sidecarContainer(n, { image: o.image, native, logsVolume, logsMountPath, logsSubPath, logsEnv, logsGroup })),
  );
  if (native) target.items.unshift(...added);
  else target.items.push(...added);

  const needed: Obj[] = [{ name: volumes.config, configMap: { name: String(annotations['outrigger.dev/config'] ?? 'outrigger') } }];
  if (names.includes('log-forwarder')) {
    if (!ownLogs) {
      needed.push({ name: volumes.logs, emptyDir: {} });
      // The app writes its log files to the shared volume.
      for (const c of seqAt('containers')?.items ?? []) {
        if (!isMap(c) || (sidecarNames as readonly string[]).includes(String(c.get('name')))) continue;
        if (!isSeq(c.get('volumeMounts', true))) c.set('volumeMounts', doc.createNode([]));
        (c.get('volumeMounts', true) as unknown as YAMLSeq).items.push(doc.createNode({ name: volumes.logs, mountPath: LOG_DIR }));
      }
    }
    needed.push({ name: volumes.state, emptyDir: {} });
  }
  if (!seqAt('volumes')) doc.setIn([...specPath, 'volumes'], doc.createNode([]));
  const vols = seqAt('volumes') as YAMLSeq;
  // The workload's own volume of one of our names (its own ConfigMap, a size limit) is the one
  // the sidecars mount: a second of the same name would make the pod invalid.
  const existing = new Set(vols.items.map((n) => (isMap(n) ? String(n.get('name')) : '')));
  const newVolumes = needed.filter((v) => !existing.has(String(v.name)));
  for (const v of newVolumes) vols.items.push(doc.createNode(v));
  doc.setIn([...base, ...paths.meta, 'annotations', INJECTED_ANNOTATION], `${record};${newVolumes.map((v) => v.name).join(',')}`);
  return { changed: true };
}

/** Does the pod run on Windows only: `os.name`, a nodeSelector, or a required node affinity? */
function runsOnWindows(spec: Obj): boolean {
  if (isObj(spec.os) && spec.os.name === 'windows') return true;
  if (isObj(spec.nodeSelector) && spec.nodeSelector['kubernetes.io/os'] === 'windows') return true;
  const terms = at(spec, ['affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms']);
  if (!Array.isArray(terms) || terms.length === 0) return false;
  // The terms are ORed: Windows only when every term rules Linux out.
  return terms.every((term) => {
    const exprs = isObj(term) && Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
    return exprs.some(
      (e) =>
        isObj(e) &&
        e.key === 'kubernetes.io/os' &&
        ((e.operator === 'In' && Array.isArray(e.values) && !e.values.includes('linux')) ||
          (e.operator === 'NotIn' && Array.isArray(e.values) && e.values.includes('linux'))),
    );
  });
}

/** The gid a container runs with when the spec says (its own, else the pod's); never the root group. */
function appGroup(container: Obj | undefined, spec: Obj): number | undefined {
  const own = at(container, ['securityContext', 'runAsGroup']);
  const gid = own ?? at(spec, ['securityContext', 'runAsGroup']);
  return Number.isInteger(gid) && (gid as number) > 0 ? (gid as number) : undefined;
}
