// Runs benchmark peers under a memory limit, as a pod's `resources.limits.memory` does: a memory
// cgroup (v2, or v1's memory controller) with that limit, which Node reads at start
// (process.constrainedMemory()) and V8 sizes its heap from. Without one, V8 sizes it from the
// machine's RAM and lets garbage accumulate far longer than it would in the pod.
// Needs root (or a delegated cgroup) and a writable cgroup filesystem.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const UNITS = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** Bytes of a Kubernetes-style quantity: 192Mi, 1Gi, 201326592. */
export function parseQuantity(text) {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text);
  if (m === null) throw new Error(`BENCH_MEMORY_LIMIT: "${text}" is not a quantity like 192Mi, 1Gi or a byte count`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}

/** The memory cgroup root: v2 (unified, memory controller enabled) or v1's memory hierarchy. */
function cgroupRoot() {
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers'))) {
    if (!readFileSync(join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) {
      throw new Error('BENCH_MEMORY_LIMIT: cgroup v2 is mounted but its memory controller is not available');
    }
    return { dir: v2, limitFile: 'memory.max' };
  }
  if (existsSync('/sys/fs/cgroup/memory/cgroup.procs')) return { dir: '/sys/fs/cgroup/memory', limitFile: 'memory.limit_in_bytes' };
  throw new Error('BENCH_MEMORY_LIMIT: no memory cgroup filesystem under /sys/fs/cgroup');
}

/**
 * A cgroup with `bytes` as its memory limit. `wrap(cmd, args)` gives the command line that starts
 * `cmd` inside it; `remove()` deletes it once every process in it has exited.
 */
export function memoryLimit(bytes, name) {
  const root = cgroupRoot();
  const dir = join(root.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, root.limitFile), String(bytes));
  const procs = join(dir, 'cgroup.procs');
  return {
    wrap: (cmd, args) => ['/bin/sh', ['-c', `echo $$ > '${procs}' && exec "$@"`, 'sh', cmd, ...args]],
    // Synchronous, for an 'exit' handler: a process killed just before may take a moment to
    // leave the group, so this waits up to a second for it.
    remove: () => {
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (let tries = 0; tries < 50; tries++) {
        try {
          rmdirSync(dir);
          return;
        } catch (err) {
          if (err.code === 'ENOENT') return;
          Atomics.wait(pause, 0, 0, 20);
        }
      }
      console.error(`${dir} is still in use; remove it with rmdir once its processes are gone`);
    },
  };
}
