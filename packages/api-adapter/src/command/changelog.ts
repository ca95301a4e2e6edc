/** `api-adapter changelog -c FILE`: the version history as Markdown, from the config's descriptions. */
import type { CommandDefinition } from '@outrigger/runtime';
import type { AdapterConfig } from '../config.js';
import type { Chain } from '../version/index.js';

export function changelog(chain: Chain, config: Pick<AdapterConfig, 'versions'>): string {
  const out: string[] = ['# API changelog', ''];
  const described = new Map(config.versions.map((v) => [v.version, v.description]));
  for (const { version, changes } of chain.changes()) {
    const tags = [version === chain.upstreamVersion ? 'spoken by the upstream' : '', version === chain.newest ? 'newest' : ''].filter(
      Boolean,
    );
    out.push(`## ${version}${tags.length ? ` (${tags.join(', ')})` : ''}`, '');
    const d = described.get(version);
    if (d) out.push(d, '');
    if (changes.length === 0) {
      out.push(version === chain.versions[chain.versions.length - 1] ? 'The oldest version.' : 'No changes.', '');
      continue;
    }
    for (const c of changes) {
      const spec = config.versions.find((v) => v.version === version)?.changes[c.index];
      const scope = [
        ...(c.resource !== undefined ? [`resource \`${c.resource}\``] : []),
        ...(spec?.endpoints ?? []).map((e) => `\`${e}\``),
      ];
      const where = scope.length > 0 ? ` — ${scope.join(', ')}` : '';
      out.push(`- **${c.description}**${where}`);
      if (c.removed) out.push(`  - removed: calls answer ${c.removed.status}`);
      for (const s of c.summaries) out.push(`  - ${s}`);
    }
    out.push('');
  }
  out.push(...byResource(chain));
  return `${out.join('\n').trimEnd()}\n`;
}

/** The changes that target each resource, newest first: what happened to a customer, in one place. */
function byResource(chain: Chain): string[] {
  const groups = new Map<string, string[]>();
  for (const { version, changes } of chain.changes()) {
    for (const c of changes) {
      if (c.resource === undefined) continue;
      const lines = groups.get(c.resource) ?? [];
      lines.push(`- ${version}: **${c.description}**`, ...c.summaries.map((s) => `  - ${s}`));
      groups.set(c.resource, lines);
    }
  }
  if (groups.size === 0) return [];
  const out = ['## By resource', '', 'Each applies wherever the resource appears: single objects, list items, embedded objects.', ''];
  for (const [name, lines] of groups) out.push(`### ${name}`, '', ...lines, '');
  return out;
}

export function changelogCommand(compile: (config: AdapterConfig, configPath: string) => Chain): CommandDefinition<AdapterConfig> {
  return {
    summary: 'print the version history as Markdown',
    async run(ctx) {
      let chain: Chain;
      try {
        chain = compile(ctx.config, ctx.configPath);
      } catch (err) {
        ctx.stderr.write(
          `${ctx.configPath}: ${(err as Error).message} [${(err as { code?: string }).code ?? 'OUTRIGGER_E_ADAPTER_CONFIG'}]\n`,
        );
        return 78;
      }
      ctx.stdout.write(changelog(chain, ctx.config));
      return 0;
    },
  };
}
