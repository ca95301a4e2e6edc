import { chmod, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { SecretFile, type SecretFileEvent } from '../src/secret-file.js';
import { waitFor } from '../src/testing.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outrigger-secret-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function open(t: Test, path: string, options: ConstructorParameters<typeof SecretFile>[1] = {}) {
  const events: SecretFileEvent[] = [];
  const secret = new SecretFile(path, { debounceMs: 10, pollMs: 0, onEvent: (e) => events.push(e), ...options });
  t.teardown(() => secret.close());
  return { secret, events };
}

t.test('read at once, trailing line breaks trimmed; a rotated Secret volume is picked up', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, '..v1'));
  await writeFile(join(dir, '..v1', 'token'), 'tok-one\r\n');
  await symlink('..v1', join(dir, '..data'));
  await symlink('..data/token', join(dir, 'token'));
  const { secret, events } = open(t, join(dir, 'token'));
  t.equal(secret.value(), 'tok-one');
  await secret.ready();
  await mkdir(join(dir, '..v2'));
  await writeFile(join(dir, '..v2', 'token'), 'tok-two\n');
  await symlink('..v2', join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  await waitFor(() => secret.value() === 'tok-two', { what: 'the rotated token' });
  t.same(events, [{ type: 'loaded' }, { type: 'rotated' }]);
});

t.test('a file that becomes unreadable or empty keeps the last good value; errors name the path only', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'password');
  await writeFile(path, 's3cret-value\n');
  const { secret, events } = open(t, path);
  await secret.ready();
  await writeFile(path, '\n');
  await waitFor(() => events.length === 2, { what: 'the empty file reported' });
  t.equal(secret.value(), 's3cret-value', 'kept');
  t.match(events[1], { type: 'unusable', kept: true, reason: `secret file ${path} is empty` });
  await rm(path);
  await waitFor(() => events.length === 3, { what: 'the missing file reported' });
  t.match(events[2], { type: 'unusable', kept: true, reason: `cannot read secret file ${path}: ENOENT` });
  t.equal(secret.value(), 's3cret-value');
  t.equal(secret.error, undefined, 'no error while a value is in force');
  t.notMatch(JSON.stringify(events), /s3cret/, 'the value is in no event');
});

t.test('no file yet: value() throws with the path; the file appearing is used at once', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'token');
  const { secret } = open(t, path);
  t.throws(() => secret.value(), { message: `cannot read secret file ${path}: ENOENT` });
  t.equal(secret.error, `cannot read secret file ${path}: ENOENT`);
  t.equal(secret.current, undefined);
  await writeFile(path, 'late');
  // Without waiting for the watcher: a caller with no value retries the read itself.
  t.equal(secret.value(), 'late');
});

t.test('value() is an in-memory read; reload() re-reads now (after a 401)', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'token');
  await writeFile(path, 'one');
  // No watcher events in time (debounce beyond the test), no poll: only reload() can see the change.
  const { secret } = open(t, path, { debounceMs: 60_000 });
  await secret.ready();
  t.equal(secret.value(), 'one');
  await writeFile(path, 'two');
  t.equal(secret.value(), 'one', 'no read per call');
  await secret.reload();
  t.equal(secret.value(), 'two');
});

t.test('parse refuses a value: the last good one stays', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'key');
  await writeFile(path, 'abc');
  const parse = (text: string) => {
    if (/\s/.test(text)) throw new Error('the value contains white space');
    return `Bearer ${text}`;
  };
  const { secret, events } = open(t, path, { parse });
  t.equal(secret.value(), 'Bearer abc');
  await writeFile(path, 'a b');
  await secret.reload();
  t.equal(secret.value(), 'Bearer abc');
  t.match(events.at(-1), { type: 'unusable', reason: `secret file ${path}: the value contains white space` });
});

t.test('an unreadable file (permissions) is reported', { skip: process.getuid?.() === 0 ? 'root reads anything' : false }, async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'token');
  await writeFile(path, 'x');
  await chmod(path, 0);
  const { secret } = open(t, path);
  t.throws(() => secret.value(), /EACCES/);
});
