/** The containers outrigger-inject adds, as plain objects (they become YAML nodes). */
export const VERSION = '0.1.0';
export const sidecarNames = ['log-forwarder', 'egress-proxy', 'api-adapter'] as const;
export type SidecarName = (typeof sidecarNames)[number];

/** Ports each sidecar opens in the pod's network namespace (a clash with the app's is an error). */
export const sidecarPorts: Record<SidecarName, { probes: number; admin: number; data?: number; dataName?: string }> = {
  'log-forwarder': { probes: 9821, admin: 9811 },
  'egress-proxy': { probes: 9822, admin: 9812, data: 4140 },
  'api-adapter': { probes: 9823, admin: 9813, data: 8080, dataName: 'http' },
};

export const volumes = { config: 'outrigger-config', logs: 'outrigger-logs', state: 'outrigger-state' } as const;
export const LOG_DIR = '/var/log/app';
const CONFIG_DIR = '/etc/outrigger';
const NOBODY = 65534;
const STATE_DIR = '/var/lib/outrigger';
/** The forwarder's other mounts: the app's log volume cannot be mounted above them read-only. */
export const OWN_MOUNTS = [CONFIG_DIR, STATE_DIR] as const;

export interface SidecarOptions {
  image: string;
  native: boolean;
  /** The volume holding the app's logs (ours, or one the app already mounts at LOG_DIR or above). */
  logsVolume: string;
  /** Where the forwarder mounts it: where the app does (LOG_DIR when it is ours). */
  logsMountPath?: string;
  /** The gid the app writes its logs with, when known: the forwarder runs in that group. */
  logsGroup?: number;
  /** The part of that volume the app mounts there (its mount's `subPath` / `subPathExpr`). */
  logsSubPath?: { subPath?: string; subPathExpr?: string };
  /** Copies of the app's variables that `logsSubPath.subPathExpr` refers to (sub-path-env.ts). */
  logsEnv?: { env: Record<string, unknown>[]; envFrom: Record<string, unknown>[] };
}

/** The image's entrypoint script (docker/Dockerfile). */
export const IMAGE_ENTRY = '/opt/outrigger/outrigger.mjs';

/**
 * The command of a sidecar whose Node flags differ from the image's entrypoint (which has the
 * `outrigger` package's flags, for all three): the log-forwarder's `outrigger.nodeFlags`, since
 * V8 flags cannot be set once the process runs (test/sidecars.test.ts keeps them equal).
 */
export const sidecarCommands: Partial<Record<SidecarName, readonly string[]>> = {
  'log-forwarder': ['node', '--max-semi-space-size=4', '--no-concurrent-recompilation', IMAGE_ENTRY],
};

const downward = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
];
/** The variables every sidecar defines for itself. */
export const sidecarEnvNames: ReadonlySet<string> = new Set(downward.map((e) => e.name));

export function sidecarContainer(name: SidecarName, o: SidecarOptions): Record<string, unknown> {
  const p = sidecarPorts[name];
  const ports: Record<string, unknown>[] = [{ name: `probes-${p.probes}`, containerPort: p.probes }];
  if (p.data && p.dataName) ports.unshift({ name: p.dataName, containerPort: p.data });
  const mounts: Record<string, unknown>[] = [{ name: volumes.config, mountPath: CONFIG_DIR, readOnly: true }];
  if (name === 'log-forwarder') {
    mounts.push(
      { name: o.logsVolume, mountPath: o.logsMountPath ?? LOG_DIR, readOnly: true, ...o.logsSubPath },
      { name: volumes.state, mountPath: STATE_DIR },
    );
  }
  const probe = (path: string, extra: Record<string, number>) => ({ httpGet: { path, port: p.probes }, ...extra });
  return {
    name,
    image: o.image,
    ...(o.native ? { restartPolicy: 'Always' } : {}),
    ...(sidecarCommands[name] ? { command: [...(sidecarCommands[name] ?? [])] } : {}),
    args: [name, '-c', `${CONFIG_DIR}/${name}.yaml`],
    env: name === 'log-forwarder' && o.logsEnv ? [...downward, ...o.logsEnv.env] : downward,
    ...(name === 'log-forwarder' && o.logsEnv && o.logsEnv.envFrom.length > 0 ? { envFrom: o.logsEnv.envFrom } : {}),
    ports,
    startupProbe: probe('/readyz', { periodSeconds: 1, failureThreshold: 30 }),
    readinessProbe: probe('/readyz', { periodSeconds: 5 }),
    livenessProbe: probe('/healthz', { periodSeconds: 10 }),
    resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: name === 'egress-proxy' ? '192Mi' : '256Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NOBODY,
      // group-readable log files (0640, a common mode) are readable to the forwarder in the app's group
      runAsGroup: name === 'log-forwarder' ? (o.logsGroup ?? NOBODY) : NOBODY,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: mounts,
  };
}
