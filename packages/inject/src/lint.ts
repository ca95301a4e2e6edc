/** Our own checks of a pod spec after injection, beyond the Kubernetes schema. */
import { sidecarNames, sidecarPorts } from './sidecars.js';

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

/**
 * `claims`: the names of the volumes the workload provides besides `spec.volumes` (a
 * StatefulSet's `volumeClaimTemplates`, see `claimedVolumes`).
 */
export function lintPodSpec(spec: Obj, claims: readonly string[] = []): string[] {
  const problems: string[] = [];
  const init = list(spec.initContainers);
  const main = list(spec.containers);
  const seen = new Set<string>();
  for (const c of [...init, ...main]) {
    const name = String(c.name);
    if (seen.has(name)) problems.push(`container name "${name}" is used twice (containers and initContainers share names)`);
    seen.add(name);
  }
  const vols = new Set<string>();
  for (const v of list(spec.volumes)) {
    const name = String(v.name);
    if (vols.has(name)) problems.push(`volume name "${name}" is used twice`);
    vols.add(name);
  }
  const mountable = new Set([...vols, ...claims]);
  for (const c of [...init, ...main]) {
    for (const m of list(c.volumeMounts)) {
      if (!mountable.has(String(m.name))) problems.push(`container "${c.name}" mounts volume "${m.name}", which the pod does not have`);
    }
  }
  for (const c of main) {
    if (c.restartPolicy !== undefined) problems.push(`container "${c.name}": restartPolicy is allowed on init containers only`);
  }
  const ours = new Set<string>(sidecarNames);
  const taken = new Map<number, string>();
  for (const n of sidecarNames) {
    if (!seen.has(n)) continue;
    const p = sidecarPorts[n];
    for (const port of [p.probes, p.admin, p.data]) if (port) taken.set(port, n);
  }
  for (const c of [...init, ...main]) {
    if (ours.has(String(c.name))) continue;
    for (const port of list(c.ports)) {
      const clash = taken.get(Number(port.containerPort));
      if (clash) {
        problems.push(
          `container "${c.name}" uses port ${port.containerPort}, which ${clash} listens on (leave ${clash} out: --sidecars, or the outrigger.dev/inject annotation)`,
        );
      }
    }
  }
  return problems;
}

/** The volumes a StatefulSet's pods get from its `volumeClaimTemplates` (one PVC per pod, by name). */
export function claimedVolumes(workload: Obj): string[] {
  if (workload.kind !== 'StatefulSet') return [];
  const spec = workload.spec as Obj | undefined;
  return list(spec?.volumeClaimTemplates).map((c) => String((c.metadata as Obj | undefined)?.name));
}
