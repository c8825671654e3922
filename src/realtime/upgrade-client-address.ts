import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { TrustProxy } from '../config/app-config';

/** Whether the hop `hop` away (0: the socket's peer) at `address` is a trusted proxy. */
type TrustsHop = (address: string, hop: number) => boolean;

/**
 * The client address of a WebSocket upgrade, resolved the way Fastify
 * resolves `request.ip` for the same TRUST_PROXY (the upgrade never goes
 * through Fastify, and a ticket is bound to the `request.ip` of the request
 * that asked for it): walking X-Forwarded-For from the peer outwards, the
 * first address that is not a trusted proxy, else the farthest one.
 *
 * @example
 * const clientAddress = upgradeClientAddress(config.trustProxy);
 * clientAddress(upgradeRequest); // '203.0.113.7'
 */
export function upgradeClientAddress(
  trustProxy: TrustProxy,
): (request: IncomingMessage) => string | undefined {
  const trusts = trustFunction(trustProxy);
  return (request) => {
    const peer = request.socket.remoteAddress;
    if (trusts === undefined || peer === undefined) return peer;
    const hops = [peer, ...forwardedFor(request.headers['x-forwarded-for'])];
    for (let hop = 0; hop < hops.length - 1; hop++)
      if (!trusts(hops[hop], hop)) return hops[hop];
    return hops[hops.length - 1];
  };
}

/** The same trust Fastify is given (see app.setup's fastifyTrustProxy). */
function trustFunction(trustProxy: TrustProxy): TrustsHop | undefined {
  if (trustProxy === false) return undefined;
  if (typeof trustProxy === 'number')
    return (_address, hop) => hop < trustProxy;
  const proxies = new BlockList();
  for (const entry of trustProxy) {
    const [address, bits] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    const max = family === 'ipv4' ? 32 : 128;
    proxies.addSubnet(address, bits === undefined ? max : Number(bits), family);
  }
  // BlockList matches IPv4-mapped IPv6 against IPv4 entries and back, as Fastify's proxy-addr does.
  return (address) =>
    isIPv4(address)
      ? proxies.check(address, 'ipv4')
      : isIPv6(address) && proxies.check(address, 'ipv6');
}

/** X-Forwarded-For's addresses, nearest hop first (Node joins repeated headers with commas). */
function forwardedFor(header: string | string[] | undefined): string[] {
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((entry) => entry.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((entry) => entry !== '')
    .reverse();
}
