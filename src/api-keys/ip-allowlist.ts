import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { normalizeAddress } from '../common/client-address';

/** At most this many entries in a key's allowlist. */
export const MAX_ALLOWLIST_ENTRIES = 32;

type Family = 'ipv4' | 'ipv6';

interface Entry {
  family: Family;
  /** The network address: host bits cleared, in canonical text form. */
  address: string;
  prefix: number;
}

/** Shortest prefix an entry may have, per family (API_KEY_ALLOWLIST_MIN_PREFIX_V4/_V6). */
export interface MinimumPrefixes {
  ipv4: number;
  ipv6: number;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };
/** `::ffff:0:0/96`: where an IPv6 socket shows an IPv4 peer. */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * One allowlist entry (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`),
 * normalised to the form it is stored and shown in; undefined if it is not
 * an address or CIDR. A bare address is its own /32 or /128.
 *
 * The stored form is the network, not the address as typed: `10.9.9.9/8`
 * becomes `10.0.0.0/8`, so what the owner reads back says what the entry
 * admits. An IPv4-mapped entry (`::ffff:203.0.113.7`, or a mapped network of
 * /96 or longer) becomes the IPv4 entry it stands for (`203.0.113.7`,
 * `::ffff:198.51.100.0/120` → `198.51.100.0/24`): it admits the same peers
 * either way (BlockList matches an IPv4 client against mapped entries and
 * the reverse), and only the IPv4 form can be held to the IPv4 minimum
 * prefix (`::ffff:0.0.0.0/96` is IPv4's /0).
 */
export function parseAllowlistEntry(text: string): Entry | undefined {
  if (text.length > 64) return undefined;
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  // Zone ids (fe80::1%eth0) name an interface, not an address a peer has.
  if (address.includes('%')) return undefined;
  let family: Family;
  let bytes: number[];
  if (isIPv4(address)) {
    family = 'ipv4';
    bytes = address.split('.').map(Number);
  } else if (isIPv6(address)) {
    family = 'ipv6';
    bytes = ipv6Bytes(address);
  } else {
    return undefined;
  }
  let prefix = BITS[family];
  if (slash >= 0) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits)) return undefined;
    prefix = Number(bits);
    if (prefix > BITS[family]) return undefined;
  }
  if (
    family === 'ipv6' &&
    prefix >= 96 &&
    MAPPED_PREFIX.every((byte, i) => bytes[i] === byte)
  ) {
    family = 'ipv4';
    bytes = bytes.slice(12);
    prefix -= 96;
  }
  masked(bytes, prefix);
  return {
    family,
    address: family === 'ipv4' ? bytes.join('.') : formatIpv6(bytes),
    prefix,
  };
}

export function formatEntry(entry: Entry): string {
  return entry.prefix === BITS[entry.family]
    ? entry.address
    : `${entry.address}/${entry.prefix}`;
}

/**
 * Whether an entry admits too many addresses to pin a key to anything
 * (`0.0.0.0/0`, `::/0`); what the minimum allows, in words, otherwise undefined.
 */
export function tooWide(
  entry: Entry,
  minimum: MinimumPrefixes,
): string | undefined {
  const least = minimum[entry.family];
  return entry.prefix < least
    ? `${entry.family === 'ipv4' ? 'IPv4' : 'IPv6'} entries need a prefix of at least /${least}`
    : undefined;
}

/** Clears the host bits past `prefix`, in place. */
function masked(bytes: number[], prefix: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    bytes[i] &= (0xff00 >> keep) & 0xff;
  }
}

/** The 16 bytes of an address `isIPv6` accepted (`::`, an IPv4 tail). */
function ipv6Bytes(address: string): number[] {
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a, b, c, d] = group.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const gap = address.indexOf('::');
  const groups =
    gap < 0
      ? toGroups(address)
      : (() => {
          const head = toGroups(address.slice(0, gap));
          const tail = toGroups(address.slice(gap + 2));
          return [
            ...head,
            ...Array<number>(8 - head.length - tail.length).fill(0),
            ...tail,
          ];
        })();
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** RFC 5952 text (common/'s normalizeAddress writes it from the eight groups). */
function formatIpv6(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return normalizeAddress(groups.join(':'));
}

/**
 * The addresses a key may be used from. Matching is Node's BlockList (a
 * CIDR match per entry, no string comparison), and an IPv4 client seen
 * through an IPv6 socket (`::ffff:203.0.113.7`) matches its IPv4 entries.
 */
export class IpAllowlist {
  private readonly list = new BlockList();
  readonly entries: readonly string[];

  /**
   * The stored entries, or undefined if any cannot be read: skipping a bad
   * one could leave the list empty, and an empty list allows every address.
   */
  static fromStored(texts: readonly string[]): IpAllowlist | undefined {
    const entries: Entry[] = [];
    for (const text of texts) {
      const entry = parseAllowlistEntry(text);
      if (!entry) return undefined;
      entries.push(entry);
    }
    return new IpAllowlist(entries);
  }

  private constructor(entries: readonly Entry[]) {
    for (const entry of entries)
      this.list.addSubnet(entry.address, entry.prefix, entry.family);
    this.entries = entries.map(formatEntry);
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
