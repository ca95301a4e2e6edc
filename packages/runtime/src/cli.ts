/**
 * `<bin> [run] -c FILE`, `<bin> check -c FILE`, `<bin> schema`, `--version`, `--help`, plus the
 * sidecar's own commands; and the `outrigger` program, which runs any sidecar by name or several
 * in one process. Exit codes follow sysexits(3): 64 usage, 78 config.
 */
import type { TObject } from '@sinclair/typebox';
import { formatIssues, type LoadResult, loadConfig, readConfigFile, resolveConfig } from './config/load.js';
import { exitCodes } from './errors.js';
import { jsonSchema } from './json-schema.js';
import { type ProcessPlan, runProcess } from './lifecycle.js';
import { createLogger } from './logger.js';
import { podDefinition, podSections, sectionKey } from './pod.js';
import type { ConfigIssue, SidecarConfig, SidecarDefinition } from './sidecar.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

interface ParsedArgs {
  command: string;
  config?: string;
  help: boolean;
  version: boolean;
  rest: string[];
  error?: string;
}

const builtins = ['run', 'check', 'schema', 'help'];

export function parseArgs(argv: readonly string[], commands: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { command: 'run', help: false, version: false, rest: [] };
  let i = 0;
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-')) {
    if (![...builtins, ...commands].includes(first)) return { ...parsed, error: `unknown command "${first}"` };
    parsed.command = first;
    i = 1;
  }
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-c' || arg === '--config') {
      const value = argv[++i];
      if (value === undefined) return { ...parsed, error: `${arg} needs a file` };
      parsed.config = value;
    } else if (arg.startsWith('--config=')) {
      parsed.config = arg.slice('--config='.length);
    } else if (arg === '-h' || arg === '--help') {
      parsed.help = true;
    } else if (arg === '-v' || arg === '--version') {
      parsed.version = true;
    } else if (commands.includes(parsed.command)) {
      parsed.rest.push(arg);
    } else {
      return { ...parsed, error: `unknown option "${arg}"` };
    }
  }
  return parsed;
}

export function usage(definition: SidecarDefinition): string {
  const name = definition.name;
  const row = (command: string, summary: string) => `  ${`${name} ${command}`.padEnd(32)}${summary}`;
  const extra = Object.entries(definition.commands ?? {}).map(([cmd, c]) => row(`${cmd} -c FILE`, c.summary));
  return [
    `${name} ${definition.version} — ${definition.description}`,
    '',
    'Usage:',
    row('[run] -c FILE', 'run the sidecar'),
    row('check -c FILE', 'validate the config (opens no sockets); exit 0 or 78'),
    row('schema', "print the config's JSON Schema"),
    ...extra,
    `  ${name} --version | --help`,
    '',
    'Options:',
    '  -c, --config FILE   the config file (YAML or JSON); default $OUTRIGGER_CONFIG',
    '',
    'Environment: LOG_LEVEL overrides log.level. Config values may use ${VAR}, ${VAR:-default}, ${VAR:?message}.',
    '',
  ].join('\n');
}

/** `check` and `run` once the config is loaded: print the problems, or run the process. */
async function finish(
  command: string,
  name: string,
  plan: ProcessPlan,
  result: LoadResult<Config>,
  configPath: string,
  io: CliIo,
): Promise<number> {
  const problems = (issues: readonly ConfigIssue[]) => `${configPath}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  const warnings = result.ok ? (result.warnings ?? []) : [];
  if (command === 'check') {
    if (result.ok) {
      for (const w of warnings) io.stderr.write(`warning: ${w.path}: ${w.message}\n`);
      io.stdout.write('OK\n');
      return exitCodes.ok;
    }
    io.stdout.write(`${formatIssues(result.issues)}\n`);
    io.stderr.write(`${problems(result.issues)} [${result.code}]\n`);
    return exitCodes.config;
  }
  if (!result.ok && command !== 'run') {
    io.stderr.write(`${formatIssues(result.issues)}\n${problems(result.issues)} [${result.code}]\n`);
    return exitCodes.config;
  }
  if (!result.ok) {
    const { logger, flush } = createLogger(name, 'info');
    logger.fatal({ code: result.code, config_file: configPath, issues: result.issues }, `invalid config:\n${formatIssues(result.issues)}`);
    flush();
    return exitCodes.config;
  }
  const single = plan.units.length === 1 && plan.units[0]?.section === undefined;
  const handle = createLogger(single ? name : { process: name }, result.config.log.level);
  for (const w of warnings) handle.logger.warn({ code: 'OUTRIGGER_E_CONFIG', path: w.path }, `config: ${w.message}`);
  return runProcess(plan, result.config, configPath, handle);
}

type Config = SidecarConfig<TObject>;

/** Answers `--version`, `--help`, usage errors and a missing `-c`; undefined when the command goes on. */
function preamble(args: ParsedArgs, name: string, version: string, help: string, io: CliIo): number | undefined {
  if (args.error) {
    io.stderr.write(`${name}: ${args.error} [OUTRIGGER_E_USAGE]\n\n${help}`);
    return exitCodes.usage;
  }
  if (args.version) {
    io.stdout.write(`${name} ${version}\n`);
    return exitCodes.ok;
  }
  if (args.help || args.command === 'help') {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  return undefined;
}

function missingConfig(name: string, help: string, io: CliIo): number {
  io.stderr.write(`${name}: missing -c FILE (or OUTRIGGER_CONFIG) [OUTRIGGER_E_USAGE]\n\n${help}`);
  return exitCodes.usage;
}

/** Runs the CLI; resolves with the exit code for commands that end (run never resolves). */
export async function cli<S extends TObject>(definition: SidecarDefinition<S>, argv: readonly string[], io: CliIo): Promise<number> {
  const def = definition as unknown as SidecarDefinition;
  const args = parseArgs(argv, Object.keys(definition.commands ?? {}));
  const early = preamble(args, definition.name, definition.version, usage(def), io);
  if (early !== undefined) return early;
  if (args.command === 'schema') {
    io.stdout.write(`${JSON.stringify(jsonSchema(def), null, 2)}\n`);
    return exitCodes.ok;
  }
  const configPath = args.config ?? io.env.OUTRIGGER_CONFIG;
  if (!configPath) return missingConfig(definition.name, usage(def), io);
  const result = await loadConfig<Config>(def, configPath, io.env);
  const command = definition.commands?.[args.command];
  if (command && result.ok) {
    return command.run({ config: result.config as SidecarConfig<S>, configPath, args: args.rest, stdout: io.stdout, stderr: io.stderr });
  }
  return finish(args.command, definition.name, { loader: def, units: [{ definition: def }] }, result, configPath, io);
}

/** The whole `main.ts` of a sidecar: `await runCli(definition)`. */
export async function runCli<S extends TObject>(definition: SidecarDefinition<S>): Promise<void> {
  const code = await cli(definition, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}

/** The `outrigger` program: every sidecar by name, loaded only when used. */
export interface PodProgram {
  version: string;
  sidecars: Readonly<Record<string, () => Promise<SidecarDefinition>>>;
  /** Other programs in the same binary (`outrigger inject ...`), loaded only when named; each returns its exit code. */
  commands?: Readonly<Record<string, { summary: string; run(argv: readonly string[]): Promise<number> }>>;
}

export function podUsage(program: PodProgram): string {
  const row = (command: string, summary: string) => `  ${`outrigger ${command}`.padEnd(32)}${summary}`;
  return [
    `outrigger ${program.version} — Outrigger sidecars for Kubernetes pods`,
    '',
    'Usage:',
    row('SIDECAR ARGS...', `one sidecar, as its own program: ${Object.keys(program.sidecars).join(', ')}`),
    row('[run] -c FILE', 'run several sidecars in one process (a section per sidecar)'),
    row('check -c FILE', 'validate that config (opens no sockets); exit 0 or 78'),
    row('schema', "print that config's JSON Schema"),
    ...Object.entries(program.commands ?? {}).map(([name, c]) => row(`${name} ARGS...`, c.summary)),
    '  outrigger --version | --help',
    '',
    'Options:',
    '  -c, --config FILE   the config file (YAML or JSON); default $OUTRIGGER_CONFIG',
    '',
  ].join('\n');
}

export async function podCli(program: PodProgram, argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  const loadSidecar = first === undefined ? undefined : program.sidecars[first];
  if (loadSidecar && Object.hasOwn(program.sidecars, first as string)) return cli(await loadSidecar(), argv.slice(1), io);
  const command = first === undefined || !program.commands || !Object.hasOwn(program.commands, first) ? undefined : program.commands[first];
  if (command) return command.run(argv.slice(1));
  const help = podUsage(program);
  const args = parseArgs(argv, []);
  const early = preamble(args, 'outrigger', program.version, help, io);
  if (early !== undefined) return early;
  const names = Object.keys(program.sidecars);
  const load = (which: readonly string[]) => Promise.all(which.map((n) => (program.sidecars[n] as () => Promise<SidecarDefinition>)()));
  if (args.command === 'schema') {
    io.stdout.write(`${JSON.stringify(jsonSchema(podDefinition(program.version, await load(names))), null, 2)}\n`);
    return exitCodes.ok;
  }
  const configPath = args.config ?? io.env.OUTRIGGER_CONFIG;
  if (!configPath) return missingConfig('outrigger', help, io);
  const read = await readConfigFile(configPath);
  const { sections, issues } = read.ok ? podSections(read.value, names) : { sections: [], issues: read.issues };
  const chosen = names.filter((n) => sections.includes(sectionKey(n)));
  const definitions = await load(chosen);
  const loader = podDefinition(program.version, definitions);
  const result: LoadResult<Config> =
    issues.length > 0
      ? { ok: false, code: read.ok ? 'OUTRIGGER_E_CONFIG' : 'OUTRIGGER_E_CONFIG_READ', issues }
      : resolveConfig<Config>(loader, read.ok ? read.value : {}, io.env, configPath);
  const plan: ProcessPlan = { loader, units: definitions.map((definition) => ({ definition, section: sectionKey(definition.name) })) };
  return finish(args.command, 'outrigger', plan, result, configPath, io);
}

/** The whole `main.ts` of the `outrigger` program. */
export async function runPodCli(program: PodProgram): Promise<void> {
  process.exitCode = await podCli(program, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
