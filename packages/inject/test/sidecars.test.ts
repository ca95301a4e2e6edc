// The containers outrigger-inject adds run each sidecar with its own Node flags: a command where
// they differ from the image's entrypoint, equal to the sidecar's `outrigger.nodeFlags` and the
// image's entry script (V8 flags are read at start-up only: a drift would go unnoticed otherwise).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { IMAGE_ENTRY, sidecarCommands, sidecarContainer, sidecarNames } from '../src/sidecars.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** A package's `outrigger.nodeFlags` (undefined: none of its own, the entrypoint's serve). */
const flagsOf = (pkg: string): string[] | undefined =>
  JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).outrigger?.nodeFlags;

t.test("a sidecar whose flags differ from the image's entrypoint gets them as its command", async (t) => {
  const entrypoint = /^ENTRYPOINT (.*)$/m.exec(readFileSync(join(root, 'docker/Dockerfile'), 'utf8'))?.[1];
  t.same(JSON.parse(entrypoint ?? '[]'), ['node', ...(flagsOf('outrigger') ?? []), IMAGE_ENTRY], 'the entry script is the image’s');
  for (const name of sidecarNames) {
    const flags = flagsOf(name);
    const c = sidecarContainer(name, { image: 'x', native: true, logsVolume: 'logs' });
    if (flags === undefined || JSON.stringify(flags) === JSON.stringify(flagsOf('outrigger'))) {
      t.equal(c.command, undefined, `${name}: the entrypoint's flags are its own`);
      t.equal(sidecarCommands[name], undefined);
    } else {
      t.same(c.command, ['node', ...(flags ?? []), IMAGE_ENTRY], `${name}: node with its own flags, then the entry`);
    }
    t.same(c.args, [name, '-c', `/etc/outrigger/${name}.yaml`]);
  }
  t.ok(sidecarCommands['log-forwarder'], 'the log-forwarder has flags of its own today');
});

t.test('the examples run the log-forwarder with the same command', async (t) => {
  for (const file of ['deployment-native.yaml', 'deployment-legacy.yaml', 'podman/pod.yaml']) {
    const text = readFileSync(join(root, 'examples/kubernetes', file), 'utf8');
    const containers = parseAllDocuments(text)
      .map((d) => d.toJS())
      .flatMap((o) => {
        const spec = o?.spec?.template?.spec ?? o?.spec ?? {};
        return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
      });
    const lf = containers.find((c: { name?: string }) => c.name === 'log-forwarder');
    t.same(lf?.command, sidecarCommands['log-forwarder'], file);
  }
});
