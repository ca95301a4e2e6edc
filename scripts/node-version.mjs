// The Node.js this workspace needs (root package.json "engines"), and a way to get it on a machine
// whose own node is older: setup fetches Node.js 24 once from the npm registry (the `node`
// package, which installs the platform's binary) into node_modules/.cache/outrigger-node and links
// it as node_modules/.bin/node, which npm scripts and npx put first on PATH. A script started by an
// older node (the first `npm test` in a fresh clone: the shell found the old node before setup
// ran) re-runs itself under that binary with reRunUnderSupportedNode().
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The Node.js release fetched when the machine's is too old (the `node` package's version). */
export const FALLBACK_NODE = '24.21.0';
const cache = join(root, 'node_modules/.cache/outrigger-node', FALLBACK_NODE);
const cachedBinary = join(cache, 'node_modules/node/bin', process.platform === 'win32' ? 'node.exe' : 'node');
const binLink = join(root, 'node_modules/.bin', process.platform === 'win32' ? 'node.exe' : 'node');

/** The lowest version `engines.node` (">=x.y.z") allows, as [major, minor, patch]. */
export function nodeFloor() {
  const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.node.trim());
  if (!m) throw new Error(`package.json engines.node must be ">=x.y.z", got ${JSON.stringify(engines.node)}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function supported(version = process.versions.node) {
  const have = version.split('.').map(Number);
  const need = nodeFloor();
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] > need[i];
  return true;
}

/**
 * For setup: when this node is too old, fetch Node.js 24 (once) and link it as
 * node_modules/.bin/node (again after an install: call linkNode()). Returns the node binary the
 * workspace runs under.
 */
export function provideNode(run) {
  if (supported()) return process.execPath;
  const floor = nodeFloor().join('.');
  if (!existsSync(cachedBinary)) {
    console.log(
      `Node.js ${process.version} is older than Outrigger needs (>= ${floor}): fetching Node.js ${FALLBACK_NODE} from the npm registry into ${relative(root, cache)}`,
    );
    mkdirSync(cache, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${FALLBACK_NODE}`]);
  } else {
    console.log(
      `Node.js ${process.version} is older than Outrigger needs (>= ${floor}): npm scripts and npx run under Node.js ${FALLBACK_NODE} (${relative(root, cache)})`,
    );
  }
  linkNode();
  return cachedBinary;
}

export function linkNode() {
  if (supported()) return;
  mkdirSync(dirname(binLink), { recursive: true });
  rmSync(binLink, { force: true });
  symlinkSync(relative(dirname(binLink), cachedBinary), binLink);
}

/**
 * For scripts that run tests or sidecars (they spawn process.execPath): under a node older than the
 * floor, run this script again under the one setup provided and exit with its status. Returns only
 * when this node is supported.
 */
export async function reRunUnderSupportedNode() {
  if (supported()) return;
  const node = existsSync(binLink) ? binLink : cachedBinary;
  if (!existsSync(node)) {
    console.error(
      `Outrigger needs Node.js >= ${nodeFloor().join('.')}; this is ${process.version}. Run \`npm run setup\` (it fetches Node.js ${FALLBACK_NODE}) or install a newer Node.js.`,
    );
    process.exit(1);
  }
  const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C reaches the whole process group, the child included: let it decide how to stop.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
