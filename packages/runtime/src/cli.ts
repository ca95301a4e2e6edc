/**
 * `<bin> [run] -c FILE`, `<bin> check -c FILE`, `<bin> schema`, `--version`, `--help`, plus the
 * sidecar's own commands. Exit codes follow sysexits(3): 64 usage, 78 config.
 */
import type { TObject } from '@sinclair/typebox';
import { formatIssues, loadConfig } from './config/load.js';
import { exitCodes } from './errors.js';
import { jsonSchema } from './json-schema.js';
import { runSidecar } from './lifecycle.js';
import { createLogger } from './logger.js';
import type { SidecarConfig, SidecarDefinition } from './sidecar.js';

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

/** Runs the CLI; resolves with the exit code for commands that end (run never resolves). */
export async function cli<S extends TObject>(definition: SidecarDefinition<S>, argv: readonly string[], io: CliIo): Promise<number> {
  const def = definition as unknown as SidecarDefinition;
  const args = parseArgs(argv, Object.keys(definition.commands ?? {}));
  if (args.error) {
    io.stderr.write(`${definition.name}: ${args.error} [OUTRIGGER_E_USAGE]\n\n${usage(def)}`);
    return exitCodes.usage;
  }
  if (args.version) {
    io.stdout.write(`${definition.name} ${definition.version}\n`);
    return exitCodes.ok;
  }
  if (args.help || args.command === 'help') {
    io.stdout.write(usage(def));
    return exitCodes.ok;
  }
  if (args.command === 'schema') {
    io.stdout.write(`${JSON.stringify(jsonSchema(def), null, 2)}\n`);
    return exitCodes.ok;
  }
  const configPath = args.config ?? io.env.OUTRIGGER_CONFIG;
  if (!configPath) {
    io.stderr.write(`${definition.name}: missing -c FILE (or OUTRIGGER_CONFIG) [OUTRIGGER_E_USAGE]\n\n${usage(def)}`);
    return exitCodes.usage;
  }
  const result = await loadConfig<SidecarConfig<S>>(def, configPath, io.env);
  if (args.command === 'check') {
    if (result.ok) {
      io.stdout.write('OK\n');
      return exitCodes.ok;
    }
    io.stdout.write(`${formatIssues(result.issues)}\n`);
    io.stderr.write(`${configPath}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} [${result.code}]\n`);
    return exitCodes.config;
  }
  if (!result.ok && args.command !== 'run') {
    io.stderr.write(
      `${formatIssues(result.issues)}\n${configPath}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} [${result.code}]\n`,
    );
    return exitCodes.config;
  }
  if (!result.ok) {
    const { logger, flush } = createLogger(definition.name, 'info');
    logger.fatal({ code: result.code, config_file: configPath, issues: result.issues }, `invalid config:\n${formatIssues(result.issues)}`);
    flush();
    return exitCodes.config;
  }
  const command = definition.commands?.[args.command];
  if (command) {
    return command.run({ config: result.config, configPath, args: args.rest, stdout: io.stdout, stderr: io.stderr });
  }
  return runSidecar(definition, result.config, configPath, createLogger(definition.name, result.config.log.level));
}

/** The whole `main.ts` of a sidecar: `await runCli(definition)`. */
export async function runCli<S extends TObject>(definition: SidecarDefinition<S>): Promise<void> {
  const code = await cli(definition, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}
