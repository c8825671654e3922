import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** At most this many entries in a key's allowlist. */
export const MAX_ALLOWLIST_ENTRIES = 32;

interface Entry {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
}

/**
 * One allowlist entry (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`),
 * normalised to the form it is stored and shown in; undefined if it is not
 * an address or CIDR. A bare address is its own /32 or /128.
 */
export function parseAllowlistEntry(text: string): Entry | undefined {
  if (text.length > 64) return undefined;
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIPv4(address)
    ? 'ipv4'
    : isIPv6(address)
      ? 'ipv6'
      : undefined;
  if (family === undefined) return undefined;
  // Zone ids (fe80::1%eth0) name an interface, not an address a peer has.
  if (address.includes('%')) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits)) return undefined;
    prefix = Number(bits);
    if (prefix > max) return undefined;
  }
  return { family, address: address.toLowerCase(), prefix };
}

export function formatEntry(entry: Entry): string {
  const max = entry.family === 'ipv4' ? 32 : 128;
  return entry.prefix === max
    ? entry.address
    : `${entry.address}/${entry.prefix}`;
}

/**
 * The addresses a key may be used from. Matching is Node's BlockList (a
 * CIDR match per entry, no string comparison), and an IPv4 client seen
 * through an IPv6 socket (`::ffff:203.0.113.7`) matches its IPv4 entries.
 */
export class IpAllowlist {
  private readonly list = new BlockList();
  readonly entries: readonly string[];

  /** Throws nothing: entries are validated by `parseAllowlistEntry` first; bad ones are skipped. */
  constructor(texts: readonly string[]) {
    const entries: string[] = [];
    for (const text of texts) {
      const entry = parseAllowlistEntry(text);
      if (!entry) continue;
      this.list.addSubnet(entry.address, entry.prefix, entry.family);
      entries.push(formatEntry(entry));
    }
    this.entries = entries;
  }

  /** An empty list allows every address. */
  get open(): boolean {
    return this.entries.length === 0;
  }

  allows(ip: string | undefined): boolean {
    if (this.open) return true;
    if (ip === undefined) return false;
    if (isIPv4(ip)) return this.list.check(ip, 'ipv4');
    if (!isIPv6(ip)) return false;
    const lower = ip.toLowerCase();
    if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7)))
      return this.list.check(lower.slice(7), 'ipv4');
    return this.list.check(lower, 'ipv6');
  }
}
