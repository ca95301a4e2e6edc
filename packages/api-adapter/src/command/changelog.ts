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
      const where = spec && spec.endpoints.length > 0 ? ` — ${spec.endpoints.map((e) => `\`${e}\``).join(', ')}` : '';
      out.push(`- **${c.description}**${where}`);
      if (c.removed) out.push(`  - removed: calls answer ${c.removed.status}`);
      for (const s of c.summaries) out.push(`  - ${s}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
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
