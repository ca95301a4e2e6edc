/** The egress-proxy as a sidecar: schema, cross-field rules and build, run by the runtime. */

import { isIP } from 'node:net';
import { type ConfigIssue, type SidecarConfig, type SidecarDefinition, tlsConfigIssues } from '@outrigger/runtime';
import { ruleProblem } from './forward/policy.js';
import { EgressProxy } from './proxy.js';
import { type ProxyConfig, schema } from './schema.js';

/** Cross-field rules (each issue names its dotted config path). */
export function rules(config: ProxyConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Set<string>();
  config.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (names.has(route.name)) issues.push({ path: `${at}.name`, message: `duplicate route name "${route.name}"` });
    names.add(route.name);
    if (!(route.cluster in config.clusters)) {
      const known = Object.keys(config.clusters);
      issues.push({
        path: `${at}.cluster`,
        message: `unknown cluster "${route.cluster}"${known.length > 0 ? ` (clusters: ${known.join(', ')})` : ''}`,
      });
    }
    if (route.match.path_prefix === undefined && route.match.host === undefined) {
      issues.push({ path: `${at}.match`, message: 'needs path_prefix, host or both' });
    }
    if (route.match.path_prefix === undefined && (route.strip_prefix || route.prefix_rewrite !== undefined)) {
      issues.push({ path: `${at}.strip_prefix`, message: 'strip_prefix and prefix_rewrite need match.path_prefix' });
    }
    if (route.strip_prefix && route.prefix_rewrite !== undefined) {
      issues.push({ path: `${at}.prefix_rewrite`, message: 'use either strip_prefix or prefix_rewrite, not both' });
    }
    const perTry = route.retry.per_try_timeout_ms;
    if (perTry !== undefined && perTry > route.timeout_ms) {
      issues.push({
        path: `${at}.retry.per_try_timeout_ms`,
        message: `${perTry} is longer than the route's timeout_ms (${route.timeout_ms}), which covers all tries`,
      });
    }
    if (route.credentials !== undefined && /[\r\n\0]/.test(route.credentials.format)) {
      issues.push({ path: `${at}.credentials.format`, message: 'must not contain line breaks' });
    }
    if (route.retry.backoff_max_ms < route.retry.backoff_base_ms) {
      issues.push({ path: `${at}.retry.backoff_max_ms`, message: 'must not be below backoff_base_ms' });
    }
  });
  const fp = config.forward_proxy;
  if (config.routes.length === 0 && !fp.enabled) issues.push({ path: 'routes', message: 'needs a route, or forward_proxy.enabled' });
  for (const key of ['allow', 'deny'] as const) {
    (fp[key] ?? []).forEach((rule, i) => {
      const problem = ruleProblem(rule);
      if (problem !== undefined) issues.push({ path: `forward_proxy.${key}[${i}]`, message: problem });
    });
  }
  for (const [name, addresses] of Object.entries(fp.resolver.hosts)) {
    addresses.forEach((a, i) => {
      if (isIP(a) === 0) issues.push({ path: `forward_proxy.resolver.hosts.${name}[${i}]`, message: `must be an IP address, got "${a}"` });
    });
  }
  (fp.resolver.dns_servers ?? []).forEach((server, i) => {
    const host = server.replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1');
    if (isIP(host) === 0)
      issues.push({ path: `forward_proxy.resolver.dns_servers[${i}]`, message: `must be ip or ip:port, got "${server}"` });
  });
  for (const [name, cluster] of Object.entries(config.clusters)) {
    const at = `clusters.${name}`;
    if ((cluster.endpoints === undefined) === (cluster.dns === undefined)) {
      issues.push({ path: at, message: 'needs exactly one of endpoints (static) and dns' });
    }
    (cluster.endpoints ?? []).forEach((endpoint, i) => {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        return; // the schema's format check reports it
      }
      if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
        issues.push({ path: `${at}.endpoints[${i}]`, message: `must be scheme://host:port without a path, got "${endpoint}"` });
      }
      if (url.username !== '' || url.password !== '') {
        issues.push({ path: `${at}.endpoints[${i}]`, message: "must not carry credentials; use a route's credentials" });
      }
    });
    const https = cluster.dns?.scheme === 'https' || (cluster.endpoints ?? []).some((e) => e.startsWith('https:'));
    if (cluster.tls !== undefined && !https) {
      issues.push({ path: `${at}.tls`, message: 'is set but no endpoint is https' });
    }
    issues.push(...tlsConfigIssues(cluster.tls, `${at}.tls`));
  }
  return issues;
}

export const definition: SidecarDefinition<typeof schema> = {
  name: 'egress-proxy',
  version: '0.1.0',
  description:
    'Outrigger egress-proxy: the app calls http://127.0.0.1:4140/<route>/...; the sidecar owns reaching the outside (endpoints, timeouts, retries, TLS, credentials).',
  schema,
  defaultAdminPort: 9812,
  defaultProbePort: 9822,
  rules: (config) => rules(config as unknown as ProxyConfig),
  build: (config: SidecarConfig<typeof schema>, ctx) => new EgressProxy(config as unknown as ProxyConfig, ctx),
};
