/**
 * Which IP addresses a forwarding target may connect to (SPEC §5: URLs that resolve to private,
 * loopback or link-local addresses are refused unless allowed in config). Pure: the http target
 * calls it on every address DNS returns for a connection, so a name cannot be re-pointed at an
 * internal address between a check and the connect (DNS rebinding).
 */
import { isIP } from 'node:net';

/** An IPv4 range as [first octets as a 32-bit number, prefix length]. */
type V4Range = readonly [network: number, prefix: number];

function v4(a: number, b: number, c: number, d: number, prefix: number): V4Range {
  return [((a << 24) | (b << 16) | (c << 8) | d) >>> 0, prefix];
}

/** IPv4 ranges that are not reachable public hosts (RFC 6890 special-purpose registry, the parts that matter here). */
const NON_PUBLIC_V4: readonly V4Range[] = [
  v4(0, 0, 0, 0, 8), //        "this network", incl. 0.0.0.0 (unspecified; connects to the local host on Linux)
  v4(10, 0, 0, 0, 8), //       RFC 1918 private
  v4(100, 64, 0, 0, 10), //    RFC 6598 shared address space (carrier-grade NAT)
  v4(127, 0, 0, 0, 8), //      loopback
  v4(169, 254, 0, 0, 16), //   link-local (incl. cloud metadata 169.254.169.254)
  v4(172, 16, 0, 0, 12), //    RFC 1918 private
  v4(192, 168, 0, 0, 16), //   RFC 1918 private
  v4(224, 0, 0, 0, 4), //      multicast: never a webhook receiver
  v4(240, 0, 0, 0, 4), //      reserved, incl. 255.255.255.255 broadcast
];

function parseV4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function isPublicV4(value: number): boolean {
  return !NON_PUBLIC_V4.some(([network, prefix]) => {
    // Shifting by 32 is a no-op in JS, so a /0 mask is spelled out.
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return ((value & mask) >>> 0) === network;
  });
}

/** The eight 16-bit groups of an IPv6 address, or undefined if it is not one. */
function parseV6(ip: string): number[] | undefined {
  let text = ip;
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let embedded: number | undefined;
  if (tail.includes('.')) {
    embedded = parseV4(tail);
    if (embedded === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return undefined;
    groups.push(...head, ...new Array<number>(missing).fill(0), ...rest);
  } else {
    groups.push(...head);
  }
  if (groups.length !== 8) return undefined;
  if (embedded !== undefined) {
    groups[6] = embedded >>> 16;
    groups[7] = embedded & 0xffff;
  }
  return groups;
}

function v4FromGroups(high: number, low: number): number {
  return ((high << 16) | low) >>> 0;
}

function isPublicV6(g: readonly number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const firstSixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (firstSixZero && g6 === 0 && g7 <= 1) return false; // :: unspecified, ::1 loopback
  // IPv4-mapped ::ffff:a.b.c.d — the socket connects to the IPv4 address inside.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isPublicV4(v4FromGroups(g6, g7));
  // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1): judged by the IPv4 address it names.
  if (firstSixZero) return isPublicV4(v4FromGroups(g6, g7));
  // NAT64 64:ff9b::/96 (RFC 6052): a NAT64 gateway forwards to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPublicV4(v4FromGroups(g6, g7));
  // 6to4 2002::/16 (RFC 3056): a relay forwards to the IPv4 address in groups 1–2.
  if (g0 === 0x2002) return isPublicV4(v4FromGroups(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated, still private)
  if ((g0 & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  return true;
}

/**
 * Whether `ip` (IPv4 or IPv6 text, an IPv6 zone id allowed) is a public unicast address a
 * forwarding target may connect to; anything unparsable is not public (fail closed).
 */
export function isPublicAddress(ip: string): boolean {
  // A zone id (fe80::1%eth0) only picks the interface; the address decides.
  const address = ip.replace(/%.*$/, '');
  switch (isIP(address)) {
    case 4: {
      const value = parseV4(address);
      return value !== undefined && isPublicV4(value);
    }
    case 6: {
      const groups = parseV6(address);
      return groups !== undefined && isPublicV6(groups);
    }
    default:
      return false;
  }
}
