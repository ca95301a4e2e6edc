import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '@outrigger/runtime/testing';
import t from 'tap';
import { Discovery } from '../../src/source/discovery.js';
import { compileGlobs } from '../../src/source/globs.js';
import { tempDir } from '../fixtures/harness.js';

t.test('globs: several includes, basename and path excludes, ** depth', async (t) => {
  const g = compileGlobs(['/var/log/app/*.log', '/var/log/nginx/**/*.log'], ['*.gz', '/var/log/app/debug-*']);
  t.ok(g.matches('/var/log/app/a.log'));
  t.notOk(g.matches('/var/log/app/a.log.1'));
  t.notOk(g.matches('/var/log/app/debug-1.log'));
  t.ok(g.matches('/var/log/nginx/x/y/access.log'));
  t.notOk(g.matches('/var/log/nginx/x/access.log.gz'));
  t.same(
    g.includes.map((i) => [i.base, i.depth]),
    [
      ['/var/log/app', 0],
      ['/var/log/nginx', Number.POSITIVE_INFINITY],
    ],
  );
});

t.test('scan follows symlinks, skips dangling ones; the rescan finds files without watch events', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'target.txt'), 'x\n');
  await writeFile(path.join(dir, 'logs', 'a.log'), 'a\n');
  await writeFile(path.join(dir, 'logs', 'sub', 'deep.log'), 'd\n');
  await symlink(path.join(dir, 'target.txt'), path.join(dir, 'logs', 'link.log'));
  await symlink(path.join(dir, 'nowhere.txt'), path.join(dir, 'logs', 'dangling.log'));
  const found: string[][] = [];
  const d = new Discovery(compileGlobs([path.join(dir, 'logs', '*.log')], []), 50, {
    onPath: () => {},
    onRescan: (f) => found.push(f),
    onWatchError: () => {},
    onDirectory: () => {},
  });
  t.same(await d.scan(), [path.join(dir, 'logs', 'a.log'), path.join(dir, 'logs', 'link.log')]);
  d.start();
  t.teardown(() => d.close());
  await writeFile(path.join(dir, 'logs', 'b.log'), 'b\n');
  await waitFor(() => found.some((f) => f.includes(path.join(dir, 'logs', 'b.log'))), { what: 'rescan' });
});
