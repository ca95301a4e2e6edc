/**
 * Validation against the Kubernetes OpenAPI schemas, from `kubernetes-models` (each model's
 * `validate()` checks the object with the schema generated from the Kubernetes OpenAPI spec).
 */
type Model = new (data: unknown) => { validate(): void };

const modules: Record<string, () => Promise<Record<string, Model>>> = {
  'v1/Pod': () => import('kubernetes-models/v1/Pod'),
  'v1/ConfigMap': () => import('kubernetes-models/v1/ConfigMap'),
  'v1/Service': () => import('kubernetes-models/v1/Service'),
  'apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment'),
  'apps/v1/StatefulSet': () => import('kubernetes-models/apps/v1/StatefulSet'),
  'apps/v1/DaemonSet': () => import('kubernetes-models/apps/v1/DaemonSet'),
  'apps/v1/ReplicaSet': () => import('kubernetes-models/apps/v1/ReplicaSet'),
  'batch/v1/Job': () => import('kubernetes-models/batch/v1/Job'),
  'batch/v1/CronJob': () => import('kubernetes-models/batch/v1/CronJob'),
} as Record<string, () => Promise<Record<string, Model>>>;

/** Problems with `obj` against its kind's schema; [] when valid or when no schema is known here. */
export async function validateObject(obj: Record<string, unknown>): Promise<string[]> {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const load = modules[key];
  if (!load) return [];
  const Class = (await load())[String(obj.kind)] as Model;
  try {
    new Class(obj).validate();
    return [];
  } catch (err) {
    return String((err as Error).message)
      .split(/,\s*(?=data)/)
      .map((m) => `schema ${key}: ${m.replace(/^data\//, '')}`);
  }
}
