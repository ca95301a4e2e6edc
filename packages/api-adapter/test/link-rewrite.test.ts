import t from 'tap';
import { compileBodyLinks, type LinkRewrite, rewriteLinkHeader, rewrites, rewriteUrl } from '../src/link-rewrite.js';

const r = (from: string, to: string, callerOrigin?: string): LinkRewrite => ({
  from,
  to,
  upstreamOrigin: 'https://api.example.com',
  callerOrigin,
});

t.test('absolute paths move between prefixes on whole segments only', async (t) => {
  t.equal(rewriteUrl('/v2/invoices/9', r('/v2', '/v1')), '/v1/invoices/9');
  t.equal(rewriteUrl('/v2', r('/v2', '/v1')), '/v1');
  t.equal(rewriteUrl('/v2?x=1', r('/v2', '/v1')), '/v1?x=1');
  t.equal(rewriteUrl('/v20/x', r('/v2', '/v1')), '/v20/x', 'not a segment match');
  t.equal(rewriteUrl('/other', r('/v2', '/v1')), '/other');
  t.equal(rewriteUrl('/invoices/9', r('', '/v1')), '/v1/invoices/9', 'no upstream prefix: the caller’s is added');
  t.equal(rewriteUrl('/v2/invoices', r('/v2', '')), '/invoices', 'no caller prefix: removed');
  t.equal(rewriteUrl('/v2', r('/v2', '')), '/');
  t.equal(rewriteUrl('relative/path', r('/v2', '/v1')), 'relative/path');
  t.equal(rewriteUrl('//cdn.example/v2/x', r('/v2', '/v1')), '//cdn.example/v2/x', 'protocol-relative is another origin');
});

t.test('absolute URLs: the upstream origin becomes the caller’s; other origins untouched', async (t) => {
  const rw = r('/v2', '/v1', 'http://127.0.0.1:8080');
  t.equal(rewriteUrl('https://api.example.com/v2/invoices?cursor=abc', rw), 'http://127.0.0.1:8080/v1/invoices?cursor=abc');
  t.equal(rewriteUrl('HTTPS://API.EXAMPLE.COM/v2/x', rw), 'http://127.0.0.1:8080/v1/x');
  t.equal(rewriteUrl('http://127.0.0.1:8080/v2/x', rw), 'http://127.0.0.1:8080/v1/x');
  t.equal(rewriteUrl('https://elsewhere.example/v2/x', rw), 'https://elsewhere.example/v2/x');
  t.equal(rewriteUrl('https://api.example.com/v2/x', r('/v2', '/v1')), 'https://api.example.com/v1/x', 'no Host: origin kept');
  t.ok(rewrites(r('', '', 'http://a')));
  t.notOk(rewrites(r('/v1', '/v1')));
});

t.test('Link headers and body fields', async (t) => {
  const rw = r('/v2', '/v1');
  t.equal(rewriteLinkHeader('</v2/a?cursor=x>; rel="next", </v3/b>; rel="prev"', rw), '</v1/a?cursor=x>; rel="next", </v3/b>; rel="prev"');
  const fn = compileBodyLinks(['/links/next', '/data/*/url']);
  const box = { v: { links: { next: '/v2/p?c=1', n: 5 }, data: [{ url: '/v2/i/1' }, { url: 7 }] } };
  fn?.(box, rw);
  t.same(box.v, { links: { next: '/v1/p?c=1', n: 5 }, data: [{ url: '/v1/i/1' }, { url: 7 }] });
  t.equal(compileBodyLinks([]), undefined);
});
