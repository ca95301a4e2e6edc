/**
 * The egress policy of forward-proxy mode: exact hosts, `*.suffix` wildcards, IPs and CIDRs, each
 * optionally with `:port`; deny wins over allow; with an allowlist present everything else is
 * denied; cloud metadata and link-local targets are denied unless an allow rule names them
 * explicitly. Address rules are checked on the *resolved* addresses, and the caller connects to
 * an address that was checked (no DNS-rebinding window). Pure: no I/O.
 */
import { BlockList, isIP } from 'node:net';

interface NameRule {
  kind: 'exact' | 'suffix';
  /** Lower case; for `suffix`, with its leading dot (`.stripe.com`). */
  name: string;
  port: number | undefined;
  text: string;
}

interface AddressRule {
  list: BlockList;
  port: number | undefined;
  text: string;
  /** Inside a metadata/link-local range: then it allows that range explicitly. */
  metadata: boolean;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata']);
const metadataRanges = new BlockList();
metadataRanges.addSubnet('169.254.0.0', 16, 'ipv4');
metadataRanges.addSubnet('fe80::', 10, 'ipv6');
metadataRanges.addAddress('fd00:ec2::254', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

export function isMetadataAddress(address: string): boolean {
  return metadataRanges.check(address, family(address));
}

/** Splits `host[:port]`, `[v6]:port`, `cidr[:port]`; returns undefined when malformed. */
function splitPort(text: string): { target: string; port: number | undefined } | undefined {
  let target = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return undefined;
    target = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = rest.slice(1);
    }
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const colon = text.indexOf(':');
    target = text.slice(0, colon);
    port = text.slice(colon + 1);
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return undefined;
  return { target, port: port === undefined ? undefined : Number(port) };
}

/** Why a rule is malformed, for the config rules; undefined when it is fine. */
export function ruleProblem(text: string): string | undefined {
  return parseRule(text) === undefined ? `not a host, *.suffix, IP or CIDR (optionally :port): "${text}"` : undefined;
}

function parseRule(text: string): NameRule | AddressRule | undefined {
  const split = splitPort(text.trim());
  if (split === undefined) return undefined;
  const { target, port } = split;
  const slash = target.indexOf('/');
  const ip = slash === -1 ? target : target.slice(0, slash);
  if (isIP(ip) !== 0) {
    const fam = family(ip);
    const prefix = slash === -1 ? (fam === 'ipv4' ? 32 : 128) : Number(target.slice(slash + 1));
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (fam === 'ipv4' ? 32 : 128)) return undefined;
    const list = new BlockList();
    list.addSubnet(ip, prefix, fam);
    // Explicit: the rule lies within a metadata range (not a catch-all like 0.0.0.0/0).
    const metadata = isMetadataAddress(ip) && prefix >= (fam === 'ipv4' ? 16 : 10);
    return { list, port, text, metadata };
  }
  const lower = target.toLowerCase();
  if (lower.startsWith('*.')) {
    const rest = lower.slice(2);
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(rest)) return undefined;
    return { kind: 'suffix', name: `.${rest}`, port, text };
  }
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(lower)) return undefined;
  return { kind: 'exact', name: lower.replace(/\.$/, ''), port, text };
}

function nameMatches(rule: NameRule, host: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  return rule.kind === 'exact' ? host === rule.name : host.endsWith(rule.name);
}

function addressMatches(rule: AddressRule, address: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  return rule.list.check(address, family(address));
}

export interface PolicyConfig {
  allow?: readonly string[] | undefined;
  deny: readonly string[];
}

export class EgressPolicy {
  readonly #allowNames: NameRule[] = [];
  readonly #allowAddresses: AddressRule[] = [];
  readonly #denyNames: NameRule[] = [];
  readonly #denyAddresses: AddressRule[] = [];
  readonly #allowlist: boolean;

  constructor(config: PolicyConfig) {
    this.#allowlist = config.allow !== undefined;
    for (const [texts, names, addresses] of [
      [config.allow ?? [], this.#allowNames, this.#allowAddresses],
      [config.deny, this.#denyNames, this.#denyAddresses],
    ] as const) {
      for (const text of texts) {
        const rule = parseRule(text);
        // The definition's rules reject malformed entries before we get here.
        if (rule === undefined) throw new Error(`forward_proxy: bad rule ${text}`);
        if ('list' in rule) addresses.push(rule);
        else names.push(rule);
      }
    }
  }

  /**
   * The decision on the name alone, before resolving: a denied or never-allowed name is refused
   * without a lookup. `undefined`: the addresses decide (call `decide`).
   */
  decideName(host: string, port: number): Decision | undefined {
    const name = normalize(host);
    if (isIP(name) !== 0) return undefined;
    const denied = this.#denyNames.find((r) => nameMatches(r, name, port));
    if (denied !== undefined) return { allowed: false, reason: `denied by forward_proxy.deny rule "${denied.text}"` };
    if (METADATA_NAMES.has(name) && !this.#allowNames.some((r) => r.kind === 'exact' && nameMatches(r, name, port))) {
      return { allowed: false, reason: 'cloud metadata endpoint (allow it explicitly to reach it)' };
    }
    if (this.#allowlist && this.#allowAddresses.length === 0 && !this.#allowNames.some((r) => nameMatches(r, name, port))) {
      return { allowed: false, reason: 'not in forward_proxy.allow' };
    }
    return undefined;
  }

  /** The whole decision: name rules, then every resolved address (all must pass). */
  decide(host: string, port: number, addresses: readonly string[]): Decision {
    const early = this.decideName(host, port);
    if (early !== undefined) return early;
    const name = normalize(host);
    const byName = isIP(name) === 0 && this.#allowNames.some((r) => nameMatches(r, name, port));
    if (addresses.length === 0) return { allowed: false, reason: 'no address to check' };
    for (const address of addresses) {
      const denied = this.#denyAddresses.find((r) => addressMatches(r, address, port));
      if (denied !== undefined) {
        return { allowed: false, reason: `address ${address} denied by forward_proxy.deny rule "${denied.text}"` };
      }
      if (isMetadataAddress(address) && !this.#allowAddresses.some((r) => r.metadata && addressMatches(r, address, port))) {
        return { allowed: false, reason: `address ${address} is link-local / cloud metadata (allow it explicitly to reach it)` };
      }
      if (this.#allowlist && !byName && !this.#allowAddresses.some((r) => addressMatches(r, address, port))) {
        return { allowed: false, reason: `address ${address} is not in forward_proxy.allow` };
      }
    }
    return { allowed: true, reason: byName ? 'allowed by name' : this.#allowlist ? 'allowed by address' : 'no allowlist' };
  }
}

/** Lower case, without a trailing dot or IPv6 brackets. */
export function normalize(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}
