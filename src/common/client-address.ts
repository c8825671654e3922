import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * One written form per client address, so the audit trail, the rate-limit
 * counters and the allowlists never see one client as several:
 *
 * - an IPv4 client seen through an IPv6 socket or written so by a proxy,
 *   `::ffff:203.0.113.7` or `::ffff:cb00:7107`, is `203.0.113.7`;
 * - IPv6 is in RFC 5952's form: lowercase, no leading zeros, the longest run
 *   (the first of equal ones) of two or more zero groups as `::`;
 * - a zone (`fe80::1%eth0`) is kept as written after the canonical address;
 * - IPv4, and anything that is not an address (a proxy may forward any
 *   text), comes back as it is.
 *
 * Not @nestjs/throttler's `normalizeIp`: that one groups IPv6 by /64 and
 * appends the prefix (`2001:db8::/64`), a rate-limit key rather than an
 * address to record. A character loop instead of Node's `SocketAddress`,
 * which canonicalises too but cost about 1.5 µs a call here.
 *
 * @example normalizeAddress('::FFFF:CB00:7107') // '203.0.113.7'
 */
export function normalizeAddress(address: string): string {
  // IPv4 and most garbage: nothing to do, and nothing is allocated.
  if (address.indexOf(':') === -1) return address;
  // An IPv4 client of a dual-stack socket, the usual case on `HOST=::`.
  if (
    address.length > 7 &&
    isMappedPrefix(address) &&
    dottedQuadEnd(address, 7) === address.length
  )
    return address.slice(7);
  const zone = address.indexOf('%');
  const end = zone === -1 ? address.length : zone;
  if (!parseIpv6(address, end)) return address;
  if (
    GROUPS[0] === 0 &&
    GROUPS[1] === 0 &&
    GROUPS[2] === 0 &&
    GROUPS[3] === 0 &&
    GROUPS[4] === 0 &&
    GROUPS[5] === 0xffff
  )
    return `${GROUPS[6] >> 8}.${GROUPS[6] & 255}.${GROUPS[7] >> 8}.${GROUPS[7] & 255}`;
  const canonical = formatIpv6();
  return zone === -1 ? canonical : canonical + address.slice(zone);
}

/** `::ffff:` in any case. */
function isMappedPrefix(text: string): boolean {
  if (text.charCodeAt(0) !== 0x3a || text.charCodeAt(1) !== 0x3a) return false;
  for (let i = 2; i < 6; i++)
    if ((text.charCodeAt(i) | 0x20) !== 0x66) return false; // f or F
  return text.charCodeAt(6) === 0x3a;
}

/**
 * Where a dotted-quad IPv4 address starting at `at` ends (four decimal
 * octets up to 255, no leading zeros, as Node's isIPv4 reads them), its
 * value in QUAD; -1 if there is none.
 */
function dottedQuadEnd(text: string, at: number): number {
  let value = 0;
  let i = at;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
    const start = i;
    let octet = 0;
    while (i < text.length && i - start < 4) {
      const code = text.charCodeAt(i);
      if (code < 0x30 || code > 0x39) break;
      octet = octet * 10 + (code - 0x30);
      i++;
    }
    const length = i - start;
    if (length === 0 || length > 3 || octet > 255) return -1;
    if (length > 1 && text.charCodeAt(start) === 0x30) return -1;
    value = value * 256 + octet;
  }
  QUAD = value;
  return i;
}

/** The last address parsed: its eight groups (one at a time; nothing here is asynchronous). */
const GROUPS = new Uint16Array(8);
let QUAD = 0;

/** Parses `text` up to `end` into GROUPS (a dotted IPv4 tail allowed); false if it is not IPv6. */
function parseIpv6(text: string, end: number): boolean {
  let count = 0;
  let gap = -1; // the group index where '::' stands
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (count === 8) return false;
    const start = i;
    let value = 0;
    while (i < end && i - start < 5) {
      const hex = hexValue(text.charCodeAt(i));
      if (hex < 0) break;
      value = value * 16 + hex;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 0x2e) {
      // A dotted IPv4 tail: the last 32 bits.
      if (count > 6 || dottedQuadEnd(text, start) !== end) return false;
      GROUPS[count++] = QUAD >>> 16;
      GROUPS[count++] = QUAD & 0xffff;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4) return false;
    GROUPS[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return false; // ':'
    i++;
    if (text.charCodeAt(i) === 0x3a && i < end) {
      if (gap !== -1) return false;
      gap = count;
      i++;
    } else if (i === end) {
      return false; // a trailing single ':'
    }
  }
  if (gap === -1) return count === 8;
  if (count > 7) return false;
  // Move the groups after '::' to the end, zeros in between.
  const missing = 8 - count;
  for (let g = count - 1; g >= gap; g--) GROUPS[g + missing] = GROUPS[g];
  for (let g = gap; g < gap + missing; g++) GROUPS[g] = 0;
  return true;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** GROUPS in RFC 5952's text form. */
function formatIpv6(): string {
  let bestStart = -1;
  let bestLength = 1; // a lone zero group is written out, not as '::'
  for (let i = 0; i < 8;) {
    if (GROUPS[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && GROUPS[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    text += GROUPS[i].toString(16);
    if (i < 7) text += ':';
  }
  return text;
}

/*
 * Where the normal form is applied: to what Fastify computes `request.ip`
 * from (the socket's address, and X-Forwarded-For when TRUST_PROXY trusts
 * it), as the HTTP server hands each connection and request over, so that
 * `request.ip` is already normalised for everything that reads it (the
 * audit trail, sessions, rate-limit keys, API-key allowlists, the access
 * log) and none can read a raw form by mistake.
 *
 * Not on Fastify's request: its `ip` getter is non-configurable once
 * TRUST_PROXY is set, it refuses a decorator named `ip`, and defining `ip` on
 * each request (Object.defineProperty) cost about 400 ns a request, ten times
 * the normalisation.
 */

/**
 * Gives a new connection's socket its normalised address, once per
 * connection; an IPv4 socket address is left alone at no cost.
 */
export function normalizeSocketAddress(socket: Socket): void {
  const address = socket.remoteAddress;
  if (address === undefined || address.indexOf(':') === -1) return;
  const normal = normalizeAddress(address);
  if (normal !== address)
    Object.defineProperty(socket, 'remoteAddress', {
      value: normal,
      enumerable: true,
    });
}

/**
 * Writes each address of the request's X-Forwarded-For in the normal form.
 * Costs one search for a header without IPv6 (the usual IPv4 list) and
 * nothing without the header.
 */
export function normalizeForwardedFor(request: IncomingMessage): void {
  const header = request.headers['x-forwarded-for'];
  if (typeof header !== 'string' || header.indexOf(':') === -1) return;
  request.headers['x-forwarded-for'] = header
    .split(',')
    .map((hop) => normalizeAddress(hop.trim()))
    .join(', ');
}
