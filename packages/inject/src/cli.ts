/**
 * outrigger-inject [--sidecars NAMES] [--mode native|legacy] [--image IMAGE] [FILE|DIR|-]...
 * Writes the injected YAML to stdout; skips go to stderr with their reason; on any error, every
 * error goes to stderr (each naming its file and document), nothing to stdout, exit 1.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type InjectOptions, injectText } from './inject.js';
import { type SidecarName, sidecarNames, VERSION } from './sidecars.js';

const usage = `Usage: outrigger-inject [--sidecars NAMES] [--mode native|legacy] [--image IMAGE] [FILE|DIR|-]...
       outrigger-inject serve --cert FILE --key FILE [--listen HOST:PORT] [--sidecars ...] [--mode ...]
  Adds the Outrigger sidecars to the workloads (Pod, Deployment, StatefulSet, DaemonSet,
  ReplicaSet, Job, CronJob; also inside a List) in the YAML/JSON files, directories (recursively:
  .yaml, .yml, .json) or stdin (-, the default), and writes the result to stdout.
  --sidecars   comma-separated, from ${sidecarNames.join(', ')} (default: all); a workload's
               outrigger.dev/inject annotation overrides it ("false" opts out)
  --mode       native (initContainers with restartPolicy: Always, the default) or legacy (containers)
  --image      the outrigger image (default ghcr.io/outrigger-dev/outrigger:${VERSION})`;

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? files(join(path, e.name)) : /\.(ya?ml|json)$/.test(e.name) ? [join(path, e.name)] : []));
}

export async function main(argv: string[]): Promise<number> {
  const serving = argv[0] === 'serve';
  if (serving) argv = argv.slice(1);
  const options: InjectOptions & { cert?: string; key?: string; listen?: string } = {};
  const sources: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${usage}\n`);
      return 0;
    } else if (a === '--version') {
      process.stdout.write(`outrigger-inject ${VERSION}\n`);
      return 0;
    } else if (a === '--sidecars') {
      const names = value().split(',');
      const bad = names.filter((n) => !(sidecarNames as readonly string[]).includes(n));
      if (bad.length) throw new Error(`--sidecars: unknown sidecar ${bad.join(', ')} (known: ${sidecarNames.join(', ')})`);
      options.sidecars = names as SidecarName[];
    } else if (a === '--mode') {
      const m = value();
      if (m !== 'native' && m !== 'legacy') throw new Error(`--mode: native or legacy, got "${m}"`);
      options.mode = m;
    } else if (a === '--image') options.image = value();
    else if (serving && (a === '--cert' || a === '--key' || a === '--listen')) options[a.slice(2) as 'cert' | 'key' | 'listen'] = value();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${usage}`);
    else sources.push(a);
  }
  if (serving) {
    if (!options.cert || !options.key) throw new Error('serve needs --cert FILE and --key FILE');
    const { serve } = await import('./serve.js');
    const { address } = await serve({ ...options, cert: options.cert, key: options.key });
    process.stdout.write(`outrigger-inject webhook listening on ${address}\n`);
    return new Promise<number>(() => {}); // until SIGTERM
  }
  if (sources.length === 0) sources.push('-');
  const outputs: string[] = [];
  const errors: string[] = [];
  for (const s of sources) {
    const list = s === '-' ? ['-'] : files(s);
    for (const file of list) {
      const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      const r = await injectText(text, file === '-' ? '<stdin>' : file, options);
      for (const k of r.skips)
        process.stderr.write(`outrigger-inject: skipped ${k.source}: document ${k.document} (${k.object}): ${k.reason}\n`);
      errors.push(...r.errors);
      outputs.push(r.output);
    }
  }
  if (errors.length > 0) {
    for (const e of errors) process.stderr.write(`outrigger-inject: ${e}\n`);
    return 1;
  }
  let out = '';
  for (const o of outputs) {
    if (o.trim() === '') continue;
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += out !== '' && !o.startsWith('---') ? `---\n${o}` : o;
  }
  process.stdout.write(out);
  return 0;
}

/** `main` with its failures as exit code 2 (a usage error or an unreadable file), said on stderr. */
export async function runInjectCli(argv: readonly string[]): Promise<number> {
  try {
    return await main([...argv]);
  } catch (err) {
    process.stderr.write(`outrigger-inject: ${(err as Error).message}\n`);
    return 2;
  }
}
