/**
 * Resolves forward-proxy targets: a hosts map first (tests, pinned names), then the configured
 * DNS servers, else the system resolver. IP literals resolve to themselves. The addresses
 * returned are the ones the policy checks and the proxy connects to.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { normalize } from './policy.js';

export interface ResolverConfig {
  hosts: Record<string, string[]>;
  dns_servers?: string[] | undefined;
  timeout_ms: number;
}

export class TargetResolver {
  readonly #hosts = new Map<string, string[]>();
  readonly #dns: Resolver | undefined;

  constructor(config: ResolverConfig) {
    for (const [name, addresses] of Object.entries(config.hosts)) this.#hosts.set(normalize(name), addresses);
    if (config.dns_servers !== undefined && config.dns_servers.length > 0) {
      this.#dns = new Resolver({ timeout: config.timeout_ms, tries: 2 });
      this.#dns.setServers(config.dns_servers);
    }
  }

  async resolve(host: string): Promise<string[]> {
    const name = normalize(host);
    if (isIP(name) !== 0) return [name];
    const pinned = this.#hosts.get(name);
    if (pinned !== undefined) return pinned;
    const dns = this.#dns;
    if (dns === undefined) return (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
    const [v4, v6] = await Promise.allSettled([dns.resolve4(name), dns.resolve6(name)]);
    const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (addresses.length === 0) {
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : new Error('no addresses');
      throw reason as Error;
    }
    return addresses;
  }
}
