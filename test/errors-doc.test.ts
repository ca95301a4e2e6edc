// Every package's `src/errors.ts` and `docs/errors.md` list the same codes with the same meaning,
// and every code used anywhere in the sources is declared.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { repoRoot } from './repo-root.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

function documented(markdown: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) {
      current = new Map();
      sections.set(heading[1] as string, current);
      continue;
    }
    const row = /^\| `(OUTRIGGER_E_[A-Z0-9_]+)` \| (.*) \|$/.exec(line);
    if (row && current) current.set(row[1] as string, row[2] as string);
  }
  return sections;
}

t.test('docs/errors.md matches every errors.ts', async (t) => {
  const docs = documented(await readFile(join(repoRoot, 'docs/errors.md'), 'utf8'));
  const packages = await readdir(join(repoRoot, 'packages'));
  const declared = new Set<string>();
  for (const name of packages) {
    const source = join(repoRoot, 'packages', name, 'src/errors.ts');
    const exists = await readFile(source, 'utf8').then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    const compiled = join(repoRoot, 'packages', name, 'dist/src/errors.js');
    const { errorCodes } = (await import(pathToFileURL(compiled).href)) as { errorCodes: Record<string, string> };
    const section = docs.get(name);
    t.ok(section, `docs/errors.md has a "## ${name}" section`);
    t.same(Object.fromEntries(section ?? []), errorCodes, `${name}: docs/errors.md rows equal src/errors.ts`);
    for (const code of Object.keys(errorCodes)) declared.add(code);
  }
  t.ok(declared.has('OUTRIGGER_E_CONFIG'));

  for (const name of packages) {
    for (const file of await sourceFiles(join(repoRoot, 'packages', name, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const [code] of text.matchAll(/OUTRIGGER_E_[A-Z0-9_]+/g)) {
        if (!declared.has(code)) t.fail(`${file} uses ${code}, which no errors.ts declares`);
      }
    }
  }
});
