import t from 'tap';
import { EgressPolicy, ruleProblem } from '../../src/forward/policy.js';

t.test('exact hosts, *.suffix, CIDRs; deny wins; an allowlist denies the rest', async (t) => {
  const p = new EgressPolicy({
    allow: ['api.github.com', '*.stripe.com', '203.0.113.0/24', 'db.example.com:5432'],
    deny: ['*.internal.stripe.com', '203.0.113.66'],
  });
  t.match(p.decide('api.github.com', 443, ['140.82.0.1']), { allowed: true });
  t.match(p.decide('API.GitHub.com.', 443, ['140.82.0.1']), { allowed: true }, 'case and trailing dot');
  t.match(p.decide('checkout.stripe.com', 443, ['1.2.3.4']), { allowed: true });
  t.match(p.decide('stripe.com', 443, ['1.2.3.4']), { allowed: false }, 'a wildcard does not cover the apex');
  t.match(p.decide('x.internal.stripe.com', 443, ['1.2.3.4']), { allowed: false, reason: /deny rule/ });
  t.match(p.decide('203.0.113.7', 80, ['203.0.113.7']), { allowed: true });
  t.match(p.decide('anything.test', 443, ['203.0.113.9']), { allowed: true }, 'a name resolving into an allowed CIDR');
  t.match(p.decide('evil.test', 443, ['203.0.113.66']), { allowed: false, reason: /203\.0\.113\.66/ }, 'deny on the resolved address');
  t.match(p.decide('evil.test', 443, ['198.51.100.1']), { allowed: false, reason: /not in forward_proxy\.allow/ });
  t.match(p.decide('db.example.com', 5432, ['10.0.0.1']), { allowed: true });
  t.match(p.decide('db.example.com', 22, ['10.0.0.1']), { allowed: false }, 'the rule names its port');
  t.match(p.decide('api.github.com', 443, ['140.82.0.1', '203.0.113.66']), { allowed: false }, 'every address must pass');
});

t.test('no allowlist: all allowed but deny rules and metadata', async (t) => {
  const p = new EgressPolicy({ deny: ['10.0.0.0/8'] });
  t.match(p.decide('example.com', 80, ['93.184.216.34']), { allowed: true });
  t.match(p.decide('sneaky.test', 80, ['10.1.2.3']), { allowed: false }, 'a name resolving into a denied CIDR');
  t.match(p.decide('169.254.169.254', 80, ['169.254.169.254']), { allowed: false, reason: /metadata/ });
  t.match(p.decide('metadata.google.internal', 80, []), { allowed: false, reason: /metadata/ });
  t.match(p.decide('v6.test', 80, ['fe80::1']), { allowed: false });
  t.match(p.decide('v6.test', 80, ['fd00:ec2::254']), { allowed: false });
  t.match(p.decide('rebind.test', 80, ['169.254.169.254']), { allowed: false }, 'a name resolving to metadata');
});

t.test('metadata is reachable only when allowed explicitly, not by a catch-all', async (t) => {
  t.match(new EgressPolicy({ allow: ['0.0.0.0/0'], deny: [] }).decide('169.254.169.254', 80, ['169.254.169.254']), {
    allowed: false,
  });
  t.match(new EgressPolicy({ allow: ['169.254.169.254'], deny: [] }).decide('169.254.169.254', 80, ['169.254.169.254']), {
    allowed: true,
  });
  t.match(new EgressPolicy({ allow: ['metadata.google.internal'], deny: [] }).decideName('metadata.google.internal', 80), undefined);
});

t.test('names refused before any lookup', async (t) => {
  const p = new EgressPolicy({ allow: ['a.test'], deny: ['b.test'] });
  t.match(p.decideName('b.test', 443), { allowed: false });
  t.match(p.decideName('c.test', 443), { allowed: false }, 'no CIDR could allow it');
  t.equal(p.decideName('a.test', 443), undefined);
});

t.test('malformed rules are reported', async (t) => {
  t.equal(ruleProblem('*.ok.test'), undefined);
  t.equal(ruleProblem('2001:db8::/32'), undefined);
  t.equal(ruleProblem('10.0.0.0/8:443'), undefined);
  t.ok(ruleProblem('10.0.0.0/33'));
  t.ok(ruleProblem('http://x'));
  t.ok(ruleProblem('a b'));
});

t.test('config rules: bad policy entries, resolver addresses and DNS servers name their path; forward-only needs no routes', async (t) => {
  const { resolveConfig } = await import('@outrigger/runtime');
  const { definition } = await import('../../src/definition.js');
  const bad = resolveConfig(
    definition,
    {
      forward_proxy: {
        enabled: true,
        allow: ['ok.test', 'http://nope'],
        deny: ['10.0.0.0/33'],
        resolver: { hosts: { 'a.test': ['not-an-ip'] }, dns_servers: ['dns.example'] },
      },
    },
    {},
  );
  t.notOk(bad.ok);
  const paths = bad.ok ? [] : bad.issues.map((i) => i.path);
  for (const p of [
    'forward_proxy.allow[1]',
    'forward_proxy.deny[0]',
    'forward_proxy.resolver.hosts.a.test[0]',
    'forward_proxy.resolver.dns_servers[0]',
  ]) {
    t.ok(paths.includes(p), p);
  }
  t.ok(resolveConfig(definition, { forward_proxy: { enabled: true } }, {}).ok, 'forward-proxy mode alone is a valid config');
  const none = resolveConfig(definition, {}, {});
  t.notOk(none.ok, 'neither routes nor forward_proxy');
});
