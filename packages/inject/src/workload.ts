/** Where each supported kind keeps its pod template. */
export interface PodPaths {
  /** The pod's metadata (annotations go here). */
  meta: (string | number)[];
  spec: (string | number)[];
}

const template = (prefix: string[]): PodPaths => ({ meta: [...prefix, 'template', 'metadata'], spec: [...prefix, 'template', 'spec'] });

export const workloadKinds: Record<string, PodPaths> = {
  Pod: { meta: ['metadata'], spec: ['spec'] },
  Deployment: template(['spec']),
  StatefulSet: template(['spec']),
  DaemonSet: template(['spec']),
  ReplicaSet: template(['spec']),
  Job: template(['spec']),
  CronJob: template(['spec', 'jobTemplate', 'spec']),
};
