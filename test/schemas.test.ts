// Each sidecar's committed config.schema.json is what its `schema` command prints now, and uses
// only keywords and formats the runtime's validator honours (none silently ignored).
// After changing a schema: `npm run schemas`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { repoRoot } from './repo-root.js';

const sidecars = readdirSync(join(repoRoot, 'packages')).filter((name) => existsSync(join(repoRoot, 'packages', name, 'src/main.ts')));

const { unsupportedKeywords } = (await import(pathToFileURL(join(repoRoot, 'packages/runtime/dist/src/config/validate.js')).href)) as {
  unsupportedKeywords(schema: unknown): string[];
};

t.ok(sidecars.length >= 3, 'the three sidecars have a main');
for (const name of sidecars) {
  t.test(name, async (t) => {
    const printed = execFileSync(process.execPath, [join(repoRoot, 'packages', name, 'dist/src/main.js'), 'schema'], { encoding: 'utf8' });
    const committed = readFileSync(join(repoRoot, 'packages', name, 'config.schema.json'), 'utf8');
    t.equal(committed, printed, `packages/${name}/config.schema.json is current (run npm run schemas)`);
    const schema = JSON.parse(printed);
    t.equal(schema.additionalProperties, false);
    t.ok(schema.properties.admin && schema.properties.log && schema.properties.shutdown);
    t.same(unsupportedKeywords(schema), [], 'every keyword, type and format is one the validator implements');
  });
}
