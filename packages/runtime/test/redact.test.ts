import t from 'tap';
import { isSecretKey, redactSecrets, redactUrl } from '../src/redact.js';

t.test('which keys are secrets', async (t) => {
  const secret = [
    'password',
    'PASSWORD',
    'passwd',
    'db_passphrase',
    'client_secret',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
    'token',
    'api_token',
    'csrfToken',
    'x-api-key',
    'apiKey',
    'private_key',
    'aws_access_key_id',
    'credentials',
    'X-Amz-Signature',
    'auth',
    'pwd',
  ];
  const not = [
    'author',
    'key',
    'keys',
    'monkey',
    'token_file',
    'password_file',
    'passwordFile',
    'secret_path',
    'TOKEN_ENV',
    'state_dir',
    'path',
    'user',
  ];
  for (const key of secret) t.ok(isSecretKey(key), `${key} is a secret`);
  for (const key of not) t.notOk(isSecretKey(key), `${key} is not`);
});

t.test('redactUrl: credentials and query values go, the rest stays', async (t) => {
  t.equal(
    redactUrl('https://user:pass@host:8443/a/b?token=abc&page=2#frag'),
    'https://[redacted]@host:8443/a/b?token=[redacted]&page=[redacted]',
  );
  t.equal(redactUrl('https://apikey@host/'), 'https://[redacted]@host/');
  t.equal(redactUrl('/v1/items?sig=x&flag'), '/v1/items?sig=[redacted]&[redacted]');
  t.equal(redactUrl('http://loki:3100/loki/api/v1/push'), 'http://loki:3100/loki/api/v1/push');
  t.equal(redactUrl('not a url?'), 'not a url?');
});

t.test('redactSecrets returns the same object when there is nothing to redact', async (t) => {
  const clean = { n: 1, req: { method: 'GET', headers: { accept: '*/*' } }, list: [1, 'two'] };
  t.equal(redactSecrets(clean), clean);
  const dirty = { req: { headers: { accept: '*/*', authorization: 'Bearer x' } }, other: { a: 1 } };
  const out = redactSecrets(dirty);
  t.not(out, dirty);
  t.equal(out.other, dirty.other, 'untouched branches are shared, not copied');
  t.same(out.req.headers, { accept: '*/*', authorization: '[redacted]' });
  t.equal(dirty.req.headers.authorization, 'Bearer x');
});
